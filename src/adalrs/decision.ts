/**
 * The plain data a controller decision carries: what to do next, and the evidence for it.
 *
 * @module
 */

/**
 * What a trainer must do before its next step.
 *
 * `branch` (paired trials): save the current model and optimizer state as `saveAs`, then load
 * `snapshotId`; the steps that follow train on the same batches as the steps after that snapshot
 * did (the answer's `dataStep` says which).
 */
export type Action =
  | { kind: "continue" }
  | { kind: "snapshot"; snapshotId: string }
  | { kind: "restore"; snapshotId: string }
  | { kind: "branch"; snapshotId: string; saveAs: string };

/**
 * The rule that fired for a window.
 *
 * - `disabled`: AdaLRS is off; the LR is the base schedule's.
 * - `observe`: nothing to change (first window, descent not slowing, or just after a trial).
 * - `outside-search`: the window ended outside the search phase; the multiplier is frozen.
 * - `max-guard`: descent slowed, but the loss is above every earlier window's; no trial.
 * - `ceiling`: descent slowed, but an upscale from this LR or above blew up before (`abortRise`),
 *   or lost clearly more than the downscale after it (`bracketCeiling`); no trial.
 * - `bracketed`: (`paired`, `stopWhenBracketed`) an upscale lost and the downscale tried after it
 *   did not win: the LR is where the search can place it; no more trials.
 * - `reference-window`: descent slowed; the next window at the same LR becomes the reference.
 * - `upscale-trial`: snapshot, then multiply the LR by α'.
 * - `downscale-trial`: (`paired`, after a kept downscale with `repeatDownscale` or `climb`) snapshot,
 *   then divide the LR by β' for a trial.
 * - `trial-return`: (`bracket`, `trigger-return`) the trial window is measured; one more window
 *   at the old LR closes the reference (or, for `trigger-return`, the setback check) before the
 *   trial is judged.
 * - `trial-accept`: the trial descended faster beyond the error bars; keep the higher LR. Paired:
 *   the trial branch ended ahead of the control branch, batch for batch; with `earlyAccept`, an
 *   upscale already ahead by that many errors at an earlier settling window (`paired.settleWindow`).
 * - `trial-restore`: the trial descended slower beyond the error bars; restore and downscale.
 * - `trial-setback`: (`bracket`, `trigger-return`) back at the old LR, the loss stands above
 *   where it was before the trial, beyond the error bars: the trial set training back; restore
 *   and downscale.
 * - `trial-revert`: no clear difference; go back to the old LR and keep the progress.
 * - `trial-settle`: (`paired`, `settle` > 1) one more settling window at the old LR.
 * - `trial-branch`: (`paired`) the trial branch (trial window, then `settle` windows at the old
 *   LR) is done; keep it, restore the pre-trial snapshot, and run the same steps again at the old
 *   LR on the same batches: the control branch.
 * - `control-window`: (`paired`) a control-branch window before its last, which is compared with
 *   the trial branch's last settling window.
 * - `trial-cooldown`: (`compare: "cooldown"`) the trial window is measured: save the trial branch
 *   (snapshot `<id>t`), then cool it for one window, its LR falling linearly towards zero.
 * - `control-cooldown`: (`compare: "cooldown"`) the control branch's window is measured: save it
 *   (snapshot `<id>c`) and cool it the same way; the verdict compares the two cooldowns.
 * - `trial-reject`: (`paired`) the upscale branch ended above the control branch, batch for batch,
 *   beyond the error: stay on the control branch and start a downscale trial there (snapshot,
 *   LR divided by β'); after the search phase (revision 4), stay at the old LR. A downscale that is
 *   not kept is reverted (`trial-revert`).
 * - `trial-abort`: (`paired`, `abortRise`) the upscale's trial window stood more than `abortRise`
 *   above the trigger window: restore the pre-trial snapshot and run the trial window's batches
 *   again, as a downscale trial (inside the search phase) or at the old LR.
 * - `rising`: the loss rose significantly once; one more such window downscales.
 * - `rise-downscale`: the loss rose over two windows in a row; divide the LR by β'.
 * - `non-finite-restore`: a NaN or infinite loss during a trial; restore and downscale.
 * - `non-finite-downscale`: a NaN or infinite loss; divide the LR by β'.
 */
export type Rule =
  | "disabled"
  | "observe"
  | "outside-search"
  | "max-guard"
  | "ceiling"
  | "bracketed"
  | "reference-window"
  | "upscale-trial"
  | "downscale-trial"
  | "trial-return"
  | "trial-accept"
  | "trial-restore"
  | "trial-setback"
  | "trial-revert"
  | "trial-settle"
  | "trial-branch"
  | "control-window"
  | "trial-cooldown"
  | "control-cooldown"
  | "trial-reject"
  | "trial-abort"
  | "rising"
  | "rise-downscale"
  | "non-finite-restore"
  | "non-finite-downscale";

/** The statistics of one window of k losses. */
export interface WindowStats {
  /** First and last compute step of the window. */
  fromStep: number;
  toStep: number;
  /** Descent velocity (-slope), in loss per step. */
  v: number;
  /** Its error: z standard errors of the slope. */
  e: number;
  /** Mean loss of the window. */
  mean: number;
  /**
   * (`controlVariate`) The coefficient of the reference loss in the window's fit: present when `v`
   * and `e` were fitted with each batch's difficulty regressed out.
   */
  c?: number;
}

/**
 * A paired verdict's evidence: the trial branch's last settling window minus the control branch's
 * last window, loss by loss on the same batches, and where each branch ran.
 */
export interface PairedEvidence {
  /** Mean of the per-batch differences (negative: the trial branch is ahead). */
  difference: number;
  /** Its error: z standard errors of that mean. */
  e: number;
  /** Batches compared. */
  k: number;
  /** First compute step of the trial branch, and of the control branch (which ends here). */
  trialFrom: number;
  controlFrom: number;
  /**
   * (`compare: "cooldown"`) Steps in each branch's cooldown window, the last window of each
   * branch; the compared losses are its second half.
   */
  cooldown?: number;
  /**
   * (`earlyAccept`) The settling window compared (from 1), when an upscale was kept before its
   * last one: the control branch ended after replaying it.
   */
  settleWindow?: number;
  /**
   * (`bracketCeiling`) A downscale tried after a lost upscale: that upscale's `difference` and
   * `e`. A downscale not kept that lost by less, beyond both errors, puts a ceiling on upscales.
   */
  lostUpscale?: LostUpscale;
}

/** How far a lost upscale's branch stood behind its control branch, and the error of that. */
export interface LostUpscale {
  difference: number;
  e: number;
}

/**
 * (`noiseWindow`) The search phase's window, sized from the run's noise before it: the window and
 * settling windows from the next step on, and what they were sized from.
 */
export interface WindowSizing {
  /** Losses per window from now on. */
  window: number;
  /** Settling windows of a paired trial from now on: as many steps as the settings ask for. */
  settle: number;
  /** Descent velocity, from the means of the last two windows (loss per step). */
  v: number;
  /** Per-step noise: the residual standard deviation around the last window's line. */
  noise: number;
}

/** One LR decision with its evidence. Identical on every replay of the same losses. */
export interface Decision {
  /** 0-based position among the run's decisions. */
  index: number;
  rule: Rule;
  /** The window just completed; `stats` is null when it held a non-finite loss. */
  window: { fromStep: number; toStep: number; stats: WindowStats | null };
  /** The window before it at the same LR, when the rule compared against one. */
  previous: WindowStats | null;
  /** The reference a trial was judged against (trial rules only). */
  reference: WindowStats | null;
  /** The trial window whose velocity was judged against the reference (verdicts only). */
  trial: WindowStats | null;
  /** Paired verdicts only: the branches' difference (absent from every other decision). */
  paired?: PairedEvidence;
  /** (`noiseWindow`) The window that sized the search phase's windows: the sizing. */
  sized?: WindowSizing;
  /**
   * Number of adjustments before this decision, and the factors that were in force: α' and, from
   * revision 3, β' (the LR is divided by it); revision 2 recorded 1/β' here.
   */
  n: number;
  alpha: number;
  beta: number;
  /** AdaLRS multiplier before and after. */
  mBefore: number;
  mAfter: number;
  /** The step the trainer runs next, and its learning rate. */
  nextStep: number;
  lr: number;
  action: Action;
}
