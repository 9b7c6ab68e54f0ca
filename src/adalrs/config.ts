/**
 * AdaLRS controller settings. Each field is a choice the paper leaves open or a default it
 * reports; docs/controller.md explains each one.
 *
 * @module
 */

import type { ScheduleConfig } from "../schedule/mod.ts";

/**
 * Which window the velocity of an upscale trial is compared against (docs/controller.md has the
 * study behind each remark).
 *
 * - `trigger`: the window whose slowdown started the trial. It was picked *because* it was slow,
 *   so trials look better than they are; on a slowing loss curve the trial also runs later, which
 *   works the other way. Where the LR barely matters, or with short windows, the LR drifts upward.
 * - `pair`: the mean of the trigger window and the one before it; the two selection biases cancel,
 *   but the reference is older, so on a slowing loss curve trials look worse than they are.
 * - `fresh`: one more window at the old LR after the trigger, measured before the trial starts;
 *   nothing selected it, but it still precedes the trial, so a slowing curve makes trials look
 *   worse. Costs one window per trial.
 * - `bracket`: the mean of the trigger window and one more window back at the old LR right after
 *   the trial (rule `trial-return`). The two straddle the trial in time, so a steady slowing of the
 *   descent cancels, and the trigger's selection bias is halved. Costs one window per trial; the
 *   snapshot lives until the trial is judged, two windows after it was taken.
 * - `trigger-return`: the trigger window alone, like `trigger`, but judged after one window back
 *   at the old LR, as under `bracket`, so that `trial-setback` can look at it. On the real GPT the
 *   return window descends fast because the loss falls when the LR does, which makes `bracket`'s
 *   average lean against trials (docs/results.md); this leaves it out of the velocity test.
 */
export type ReferenceKind = "trigger" | "pair" | "fresh" | "bracket" | "trigger-return";

/**
 * How an upscale trial is judged.
 *
 * - `sequential` (revision 2): the trial window's loss-descent velocity against a reference window
 *   at the old LR (`reference`), on different batches. The batches' own difficulty (per-step noise
 *   larger than a good trial's lasting gain) and the loss-level shift an LR change causes both
 *   bend that comparison.
 * - `paired`: the trial window at the trial LR and one settling window back at the old LR run; then
 *   the same steps run again from the pre-trial snapshot at the old LR, on the same batches (action
 *   `branch`). The two branches' losses over the settling window, batch by batch, measure the
 *   trial's lasting effect with the batches' difficulty cancelled. Costs two windows of compute per
 *   trial (one branch is discarded).
 */
export type TrialKind = "sequential" | "paired";

/**
 * Where a paired trial's settling windows run: at the old LR (`old`), or at the lower of the old
 * and the trial LR (`lower`). With `old`, a downscale trial's branch returns to the higher LR
 * before it is compared, which erases what the lower LR bought: on the GPT no downscale won from
 * 9x above the best LR, and the runs stayed there.
 */
export type SettleAt = "old" | "lower";

/**
 * What a paired trial's verdict compares.
 *
 * - `settled`: the branches' last settling window, both back at the settling LR (`settle`,
 *   `settleAt`). What remains is how far each branch got at that LR; over a trial's few hundred
 *   steps a higher LR gets further until it is far too high, so from above no downscale wins.
 * - `cooldown`: each branch, after its window at its own LR, is saved and cooled for one window,
 *   its LR falling linearly towards zero; the verdict compares the second half of the two
 *   cooldowns, batch by batch, and the winner goes on from where it was saved. A decaying
 *   schedule ends on a cooled loss, so this compares what each LR leaves once it is annealed; but
 *   annealed now, not at the end of the run, which favours the lower LR.
 */
export type CompareKind = "settled" | "cooldown";

/** Settings of the AdaLRS search; defaults in {@linkcode ADALRS_DEFAULTS}. */
export interface AdalrsConfig {
  /**
   * The controller revision that decides the run ({@linkcode CONTROLLER_REVISION} when a run is
   * created). A run's log keeps it, so replay re-derives every decision with the behaviour that
   * made it; settings a revision did not have are filled with {@linkcode legacySettings}.
   */
  revision: number;
  /** When false, the controller only reports the scheduled LR (multiplier stays 1). */
  enabled: boolean;
  /** k: losses per window, the unit of every velocity estimate and of every trial. */
  window: number;
  /** α: upscale factor of a trial, before decay. */
  alpha: number;
  /** β: downscale factor after a failed trial or a rising loss, before decay. */
  beta: number;
  /** λ: per-adjustment decay of both factors: `α' = max(λ^n α, 1)`. */
  lambda: number;
  /** z: the velocity error is z standard errors of the OLS slope. */
  z: number;
  /** Start of the search phase, as a fraction of total steps. */
  searchStart: number;
  /** End of the search phase, as a fraction of total steps; the multiplier is frozen after it. */
  searchEnd: number;
  /** What a trial's velocity is compared with (`sequential` trials). */
  reference: ReferenceKind;
  /** How a trial is judged. */
  trial: TrialKind;
  /**
   * (`paired`) Windows at the old LR after the trial window, in both branches; the verdict compares
   * the last one. The loss-level shift of a higher LR takes longer than a window to relax.
   */
  settle: number;
  /** (`paired`) Which LR the settling windows run at. */
  settleAt: SettleAt;
  /**
   * (`paired`) Stop starting trials once the LR is bracketed: an upscale lost and the downscale
   * tried after it did not win. Every further trial would cost `1 + settle` windows of discarded
   * compute to confirm it.
   */
  stopWhenBracketed: boolean;
  /**
   * (`paired`, revision 10) An upscale lost, the downscale tried after it was not kept either, and
   * the upscale's branch stood further behind its control branch than the downscale's, beyond both
   * errors: no upscale is tried again from that LR or above (rule `ceiling`). Two lost trials are
   * a finite difference on both sides of the LR, and the side that lost more is away from the best
   * LR: it is at or just below this one, and a retried upscale would cost `1 + settle` windows of
   * discarded steps again (on the GPT every such retry lost, by 9-31 errors). A bracket whose
   * downscale lost as much or more leaves upscales free: there the best LR may lie above, and on
   * the cs336 simulator from 10x below a retried upscale is what climbs.
   */
  bracketCeiling: boolean;
  /**
   * After an accepted trial, start the next trial at the end of the next window instead of
   * waiting for the descent to slow: from far below, a 9x climb needs two accepted trials within
   * the search phase.
   */
  climb: boolean;
  /**
   * (`paired`, revision 4: false) Whether a lost upscale's downscale trial may start after the
   * search phase. Revision 3 started it wherever the upscale's verdict fell, so the multiplier could
   * still change after `searchEnd`; in 13 of 20 GPT runs such a trial started after the phase and
   * cost another `1 + settle` windows of discarded steps.
   */
  downscaleAfterSearch: boolean;
  /**
   * (`paired`, revision 4: true) After an accepted downscale trial, the next trial is a downscale
   * too (until one is not kept). Without it the next trial is an upscale, which a run from far
   * above has just seen lose: from 10x above, the synthetic trainer stopped at 5x.
   */
  repeatDownscale: boolean;
  /**
   * (`paired`, revision 4: true) Whether a downscale trial whose branches tie is kept. Every
   * downscale trial follows a lost upscale; over a trial's few hundred steps a higher LR keeps
   * making more progress until it is far too high, so a tie there leans toward the lower LR. On
   * the GPT under cosine no downscale branch beat its control branch from 9x above the best LR,
   * although the fixed run there ended 2.5-3.7% behind the best one.
   */
  downscaleOnTie: boolean;
  /** (`paired`) What a verdict compares: settled branches, or branches after a cooldown. */
  compare: CompareKind;
  /**
   * (`paired`, 0: off) A blown-up upscale is stopped after its trial window: when that window's
   * mean loss stands more than this fraction above the trigger window's, the trial is rejected at
   * once (rule `trial-abort`): the pre-trial snapshot is restored and the trial window's batches
   * run again, as a lost upscale's downscale trial or at the old LR. No upscale is tried again from
   * that LR or above (rule `ceiling`). A lost upscale otherwise costs `1 + settle` windows of
   * discarded steps and is tried again; on the GPT the upscales that lost had risen 4.7-39% in
   * their trial window, the kept ones at most 3.1%.
   */
  abortRise: number;
  /**
   * (`paired`, revision 8: 2; 0: off) An upscale whose trial branch is ahead of the control branch
   * by more than this many errors at an earlier settling window is kept then: the rest of the
   * control branch does not run. The earlier windows lean against upscales (the loss-level shift
   * is still relaxing), so an upscale ahead there stays ahead: of the GPT's and an independent
   * PyTorch GPT's 143 logged upscale verdicts, all 70 that were ahead by 2 errors before their
   * last settling window were kept, and none of the 52 not kept was ahead there by even one.
   * Downscales are always compared at the last window: their early lead fades.
   */
  earlyAccept: number;
  /**
   * (revision 9, opt-in) Fit each window's velocity with a fixed reference model's loss on the
   * same batches as a second regressor (a control variate, `velocityAgainst` in velocity.ts): the
   * batches' own difficulty, most of a small LM's per-step noise, then no longer moves the slope
   * that triggers trials and judges sequential ones. Needs reference losses: managed GPT runs
   * record the byte-bigram model of their training split's; external trainers send `refLosses`. A
   * window without one for every step is fitted plainly. Paired verdicts compare the same batches
   * already, so they do not change.
   */
  controlVariate: boolean;
  /**
   * (revision 11, opt-in) Size the search phase's windows from the run's own noise: the last
   * window before the phase sets them to the shortest that measures the descent to within half
   * of itself (`noise_window.ts`), between 10 losses and `window`, and the settling windows to as
   * many as cover the same `settle · window` steps. A noisier run keeps longer windows, a quieter
   * one fits more trials in the phase.
   */
  noiseWindow: boolean;
}

/**
 * Defaults for {@linkcode AdalrsConfig}. Window, z and reference were chosen on two simulated
 * trainers (a synthetic landscape and the dynamics of a real LR sweep); docs/controller.md has the
 * study, its table and the command that reproduces it.
 */
export const ADALRS_DEFAULTS: AdalrsConfig = {
  revision: 11,
  enabled: true,
  // 50 losses resolve a 3x LR change at the per-step noise of a small LM (~0.07 on the cs336
  // sweep); 20 could not. A run needs ~2,000 steps for 12 windows in the default search phase.
  window: 50,
  // The paper's factors; (2, 1.67) and (1.5, 1.43) climbed too slowly from 10x below.
  alpha: 3,
  beta: 2,
  lambda: 0.99,
  // One standard error each side: 0.5 made false trials common, 1.5 too few trials succeed.
  z: 1,
  searchStart: 0.1,
  searchEnd: 0.4,
  // Ends within 3x as often as `trigger`, more robustly (less drift when the LR does not matter,
  // no undershoot on fast-slowing curves); `fresh` and `pair` undershoot on both trainers.
  reference: "bracket",
  // Revision 3: on the real GPT, sequential verdicts did not climb from below (docs/results.md);
  // paired trials compare the branches on the same batches.
  trial: "paired",
  // On the GPT the trial branch's lead over the control branch grew through the first settling
  // window (+0.067 in its first 10 steps, -0.005 in its last): one window judges the transient.
  settle: 2,
  settleAt: "lower",
  // On the cs336 simulator one early bracket (an unlucky lost upscale) stopped runs from 10x below
  // at 0.41x (8 of 32 seeds within 3x, against 32 of 32 without stopping).
  stopWhenBracketed: false,
  bracketCeiling: false,
  climb: false,
  // Revision 4 (docs/results.md, "Revision 4"): the multiplier is frozen after the search phase,
  // as `searchEnd` says; a run coming down keeps coming down; a downscale that ties is kept.
  downscaleAfterSearch: false,
  repeatDownscale: true,
  downscaleOnTie: true,
  // Cooled branches brought cosine down from 9x above the best LR on the GPT, but held 9x below
  // at a third of it: short cooldowns favour the lower LR (docs/controller.md, "Cooled verdicts").
  compare: "settled",
  // Off: at 0.1 it saved steps on cosine from 9x above but kept WSD runs at 9x, where revision 4
  // comes down to 2.3x (docs/controller.md, "Stopping a blown-up upscale").
  abortRise: 0,
  // Revision 8: an upscale already ahead by 2 errors saves the rest of its control branch, one
  // window a trial at settle 2 (docs/controller.md, "Revision 8").
  earlyAccept: 2,
  // Opt-in (docs/controller.md, "Revision 9"): measured on the GPT over seeds before any default.
  controlVariate: false,
  // Opt-in (docs/controller.md, "Revision 11"): measured on the GPT over seeds before any default.
  noiseWindow: false,
};

/**
 * How each revision behaved in the settings that later revisions added, oldest first: entry `r`
 * holds the settings added after revision `r`, with the values that reproduce revision `r`.
 */
const BEFORE_SETTINGS: { revision: number; settings: Partial<Pick<AdalrsConfig, NewSettings>> }[] =
  [
    {
      revision: 2,
      settings: {
        trial: "sequential",
        settle: 1,
        settleAt: "old",
        stopWhenBracketed: false,
        climb: false,
      },
    },
    {
      revision: 3,
      settings: { downscaleAfterSearch: true, repeatDownscale: false, downscaleOnTie: false },
    },
    { revision: 4, settings: { compare: "settled" } },
    { revision: 5, settings: { abortRise: 0 } },
    { revision: 7, settings: { earlyAccept: 0 } },
    { revision: 8, settings: { controlVariate: false } },
    { revision: 9, settings: { bracketCeiling: false } },
    { revision: 10, settings: { noiseWindow: false } },
  ];

/** Settings that older revisions' logs do not have (`revision` itself came with revision 3). */
type NewSettings =
  | "trial"
  | "settle"
  | "settleAt"
  | "stopWhenBracketed"
  | "climb"
  | "downscaleAfterSearch"
  | "repeatDownscale"
  | "downscaleOnTie"
  | "compare"
  | "abortRise"
  | "earlyAccept"
  | "controlVariate"
  | "bracketCeiling"
  | "noiseWindow";

/**
 * The values of the settings that `revision` did not have, as it behaved: what a new run that asks
 * for an older revision gets for every such setting it leaves out, and what an old log replays
 * with. Empty for today's revision.
 *
 * @param revision a controller revision, 2 or later
 * @returns the settings added after it, with its behaviour
 *
 * @example
 * ```ts
 * import { revisionSettings } from "./config.ts";
 * if (revisionSettings(3).downscaleAfterSearch !== true) throw new Error("revision 3's behaviour");
 * ```
 */
export function revisionSettings(revision: number): Partial<AdalrsConfig> {
  const later = BEFORE_SETTINGS.filter((entry) => entry.revision >= revision);
  return Object.assign({}, ...later.map((entry) => entry.settings));
}

/**
 * The settings a run recorded before they existed, as the revision that ran it behaved: a log
 * written by revision 2 has no `revision`, `trial` or `climb`, and replays as sequential trials
 * without climbing; one written by revision 2 or 3 has no `downscaleAfterSearch`,
 * `repeatDownscale` or `downscaleOnTie`, and replays as revision 3 behaved; one written before
 * `compare` existed replays with settled branches, one from before `abortRise` never aborts, and
 * one from before revision 8 compares every trial at its last settling window.
 *
 * @param adalrs the settings as stored in a run's `RunCreated`
 * @returns every setting, the missing ones filled with {@linkcode revisionSettings}
 */
export function legacySettings(
  adalrs:
    & Omit<AdalrsConfig, NewSettings | "revision">
    & Partial<Pick<AdalrsConfig, NewSettings | "revision">>,
): AdalrsConfig {
  return { revision: 2, ...revisionSettings(2), ...adalrs } as AdalrsConfig;
}

/**
 * The window of a run that does not set one: about 12 windows in the search phase (enough for
 * three trials, each a trigger, a trial and a return window), never more than the default 50 and
 * never fewer than 10 losses (below that one window's slope is mostly noise).
 *
 * @param totalSteps the run's compute steps
 * @param searchStart start of the search phase, as a fraction of the run
 * @param searchEnd end of the search phase
 * @returns the window, in losses
 *
 * @example
 * ```ts
 * import { defaultWindow } from "./config.ts";
 * if (defaultWindow(1000, 0.1, 0.4) !== 25) throw new Error("a 1,000-step run gets 25");
 * ```
 */
export function defaultWindow(totalSteps: number, searchStart: number, searchEnd: number): number {
  const fit = Math.floor((totalSteps * (searchEnd - searchStart)) / 12);
  return Math.min(ADALRS_DEFAULTS.window, Math.max(10, fit));
}

/**
 * Steps the settling windows of a paired trial must cover before the branches are compared. On the
 * GPT the upscales to the best LR lost their verdict after 50 settling steps (3,000-step runs) and
 * after 74 (1,500 steps, window 37), and won after 100 and 111: the loss-level shift of a higher LR
 * takes about 100 steps to relax, whatever the run's length (docs/controller.md, "Revision 7").
 */
export const SETTLE_STEPS = 100;

/**
 * The settling windows of a run that sets neither `window` nor `settle`: from revision 7, as many
 * windows as cover {@linkcode SETTLE_STEPS} (2 at the default window of 50, 3 at 37, 10 at 10);
 * before, 2, whatever the window.
 *
 * @param window the run's window, as {@linkcode defaultWindow} resolved it
 * @param revision the revision the run asks for
 * @returns settling windows, at least 2
 *
 * @example
 * ```ts
 * import { defaultSettle } from "./config.ts";
 * if (defaultSettle(37, 7) !== 3 || defaultSettle(37, 6) !== 2) throw new Error("111 steps");
 * ```
 */
export function defaultSettle(window: number, revision: number): number {
  if (revision < 7) return ADALRS_DEFAULTS.settle;
  return Math.max(ADALRS_DEFAULTS.settle, Math.ceil(SETTLE_STEPS / window));
}

/**
 * The revision of the controller's rules, written into every new run's settings. A change in
 * what the rules decide for the same losses is a new setting (old logs fill it with the old
 * behaviour in {@linkcode legacySettings}) and a new revision, so every recorded run keeps
 * replaying identical; `deno task what-if` tries new rules on an old log.
 *
 * - 2: sequential trials, `trial-setback`; `decision.beta` reported as 1/β'.
 * - 3: `trial` (`paired`) and `climb`; `decision.beta` reported as β' itself, like `alpha`.
 * - 4: `downscaleAfterSearch` off, `repeatDownscale` and `downscaleOnTie` on.
 * - 5: `compare`, opt-in `cooldown` rules; its default (`settled`) decides as revision 4 did.
 * - 6: `abortRise`, opt-in `trial-abort` and `ceiling`; its default (0) decides as revision 5 did.
 * - 7: a run that leaves out `window` and `settle` settles for at least {@linkcode SETTLE_STEPS}
 *   ({@linkcode defaultSettle}); the rules decide as revision 6's did for the same settings.
 * - 8: `earlyAccept` (2): an upscale already ahead at an earlier settling window is kept then.
 * - 9: `controlVariate`, opt-in: windows fitted against reference losses; its default (off)
 *   decides as revision 8 did.
 * - 10: `bracketCeiling`, opt-in: no upscale retried from an LR where a bracket's upscale lost
 *   clearly more than its downscale; its default (off) decides as revision 9 did.
 * - 11: `noiseWindow`, opt-in: the search phase's windows sized from the run's noise before it;
 *   its default (off) decides as revision 10 did.
 */
export const CONTROLLER_REVISION = ADALRS_DEFAULTS.revision;

/** Everything the controller needs to turn a multiplier into a learning rate. */
export interface ControllerSetup {
  adalrs: AdalrsConfig;
  schedule: ScheduleConfig;
  /** Peak LR of the base schedule (`optimizer.lr`). */
  peakLr: number;
  /** Total compute steps of the run. */
  totalSteps: number;
}
