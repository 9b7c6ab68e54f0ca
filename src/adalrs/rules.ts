/**
 * The rules of AdaLRS (DESIGN.md, "AdaLRS, as this project implements it"), in priority order:
 * which one fires for a completed window, and what it changes.
 *
 * @module
 */

import type { SettleAt } from "./config.ts";
import type { ControllerState, Direction, Trial } from "./controller.ts";
import type { Action, PairedEvidence, Rule, WindowStats } from "./decision.ts";

/** What a rule changes: the rule's name plus the fields of the state it sets. */
export interface Outcome {
  rule: Rule;
  m: number;
  /** Whether the decision counts as an adjustment (n grows, so α' and β' decay). */
  adjusted: boolean;
  action: Action;
  trial: Trial | null;
  previous: WindowStats | null;
  reference?: WindowStats | null;
  /** The trial window that was judged (trial verdicts only). */
  trialWindow?: WindowStats | null;
  rising?: number;
  /** Steps whose batches run again from now on (a paired trial's control branch). */
  replayed?: number;
  /** A paired verdict's evidence. */
  paired?: PairedEvidence;
  /** The LR is now bracketed (a downscale trial after a lost upscale did not win). */
  bracketed?: boolean;
}

/** The factors in force for this window, and the id a new snapshot would get. */
export interface Factors {
  alpha: number;
  beta: number;
  snapshotId: string;
}

const CONTINUE: Action = { kind: "continue" };

/**
 * Picks the rule for a completed window.
 *
 * @param state the controller before the window's decision
 * @param stats the window's statistics; null when it held a non-finite loss
 * @param f the factors in force
 * @param losses the window's losses (paired verdicts compare them batch for batch)
 */
export function chooseRule(
  state: ControllerState,
  stats: WindowStats | null,
  f: Factors,
  losses: readonly number[],
): Outcome {
  const { adalrs, totalSteps } = state.setup;
  const trial = state.trial?.stage === "running" || state.trial?.stage === "closing" ||
      state.trial?.stage === "control"
    ? state.trial
    : null;
  const keep = { m: state.m, adjusted: false, action: CONTINUE, trial: null };
  if (!adalrs.enabled) return { ...keep, rule: "disabled", previous: stats };

  // A failed window: never fit a line through NaN; treat it as a rejected trial or a downscale.
  if (stats === null) {
    if (trial) {
      const restore: Action = { kind: "restore", snapshotId: trial.snapshotId };
      return {
        rule: "non-finite-restore",
        m: trial.mBefore * f.beta,
        adjusted: true,
        action: restore,
        trial: null,
        previous: null,
        reference: trial.reference,
      };
    }
    return {
      ...keep,
      rule: "non-finite-downscale",
      m: state.m * f.beta,
      adjusted: true,
      previous: null,
    };
  }

  // A trial is judged whatever the search phase: its window was started inside it.
  const paired = adalrs.trial === "paired";
  if (trial?.stage === "control") return controlWindow(state, trial, stats, losses, f);
  if (trial?.stage === "closing" && paired && (trial.settling ?? 0) + 1 < adalrs.settle) {
    // The loss-level shift of the trial LR is still relaxing: one more settling window.
    return {
      rule: "trial-settle",
      m: settleM(trial.mBefore, trial.mTrial, adalrs.settleAt),
      adjusted: false,
      action: CONTINUE,
      trial: { ...trial, settling: (trial.settling ?? 0) + 1 },
      previous: null,
      reference: trial.reference,
    };
  }
  if (trial?.stage === "closing" && paired) {
    // The trial branch is done: keep it, and run its steps again at the old LR, same batches.
    return {
      rule: "trial-branch",
      m: trial.mBefore,
      adjusted: false,
      action: { kind: "branch", snapshotId: trial.snapshotId, saveAs: `${trial.snapshotId}t` },
      trial: {
        stage: "control",
        ...(trial.direction && { direction: trial.direction }),
        snapshotId: trial.snapshotId,
        branchId: `${trial.snapshotId}t`,
        mBefore: trial.mBefore,
        mTrial: trial.mTrial,
        reference: trial.reference,
        measured: trial.measured,
        settled: [...losses],
        settledStats: stats,
        windows: 0,
      },
      previous: null,
      reference: trial.reference,
      trialWindow: trial.measured,
      replayed: stats.toStep + 1 - trial.measured.fromStep,
    };
  }
  const returns = paired || adalrs.reference === "bracket" ||
    adalrs.reference === "trigger-return";
  if (trial?.stage === "running" && returns) {
    // Back to the old LR for one window: under `bracket` the reference then straddles the trial
    // in time; under both, the window shows whether the trial set training back.
    return {
      rule: "trial-return",
      m: paired ? settleM(trial.mBefore, state.m, adalrs.settleAt) : trial.mBefore,
      adjusted: false,
      action: CONTINUE,
      trial: { ...trial, stage: "closing", mTrial: state.m, measured: stats },
      previous: null,
      reference: trial.reference,
    };
  }
  if (trial?.stage === "running") {
    return judge(trial, trial.reference, stats, state.m, f, { accept: stats, revert: null }, {
      climb: adalrs.climb,
    });
  }
  if (trial?.stage === "closing") {
    // Velocity alone is fooled by a trial that spiked the loss and then recovered within its
    // window (a steep slope, but from a higher level): back at the old LR, the loss must not be
    // above where it stood before the trial.
    if (stats.mean - trial.reference.mean > levelError(trial.reference) + levelError(stats)) {
      return {
        rule: "trial-setback",
        m: trial.mBefore * f.beta,
        adjusted: true,
        action: { kind: "restore", snapshotId: trial.snapshotId },
        trial: null,
        previous: null,
        reference: trial.reference,
        trialWindow: trial.measured,
      };
    }
    const reference = adalrs.reference === "bracket"
      ? meanOf(trial.reference, stats)
      : trial.reference;
    return judge(trial, reference, trial.measured, trial.mTrial, f, {
      accept: null,
      revert: stats,
    }, { climb: adalrs.climb });
  }

  const inSearch = stats.toStep + 1 >= adalrs.searchStart * totalSteps &&
    stats.toStep + 1 <= adalrs.searchEnd * totalSteps;
  if (!inSearch) return { ...keep, rule: "outside-search", previous: stats };

  if (stats.v < -stats.e) {
    if (state.rising + 1 >= 2) {
      return {
        ...keep,
        rule: "rise-downscale",
        m: state.m * f.beta,
        adjusted: true,
        previous: null,
      };
    }
    return { ...keep, rule: "rising", previous: stats, rising: state.rising + 1 };
  }

  if (state.bracketed && adalrs.stopWhenBracketed) {
    return { ...keep, rule: "bracketed", previous: stats };
  }
  if (state.trial?.stage === "reference") {
    return startTrial(state, stats, f, state.trial.direction ?? "up");
  }
  const slowed = state.previous !== null && stats.v < state.previous.v;
  if (!slowed) return { ...keep, rule: "observe", previous: stats };
  if (state.maxMean !== null && stats.mean > state.maxMean) {
    return { ...keep, rule: "max-guard", previous: stats };
  }
  switch (adalrs.reference) {
    case "fresh":
      return { ...keep, rule: "reference-window", trial: { stage: "reference" }, previous: stats };
    case "trigger":
    case "bracket":
    case "trigger-return":
      return startTrial(state, stats, f, "up");
    case "pair":
      return startTrial(state, meanOf(stats, state.previous!), f, "up");
  }
}

/** Snapshot, then move the LR by α' (up) or β' (down) for one trial window. */
function startTrial(
  state: ControllerState,
  reference: WindowStats,
  f: Factors,
  direction: Direction,
): Outcome {
  const up = direction === "up";
  return {
    rule: up ? "upscale-trial" : "downscale-trial",
    m: state.m * (up ? f.alpha : f.beta),
    adjusted: false,
    action: { kind: "snapshot", snapshotId: f.snapshotId },
    trial: {
      stage: "running",
      snapshotId: f.snapshotId,
      mBefore: state.m,
      reference,
      ...(!up && { direction }),
    },
    previous: null,
    reference,
  };
}

/**
 * Judges a trial window `measured` at multiplier `mTrial` against `reference`:
 * accept if faster beyond the summed errors, restore and downscale if slower beyond them,
 * otherwise go back to the old multiplier and keep the progress.
 *
 * @param last the last window at the LR that an accept or a revert keeps: the one the next window
 *   is compared with (null when the last window ran at the other LR)
 */
function judge(
  trial: { snapshotId: string; mBefore: number },
  reference: WindowStats,
  measured: WindowStats,
  mTrial: number,
  f: Factors,
  last: { accept: WindowStats | null; revert: WindowStats | null },
  opts: { climb: boolean },
): Outcome {
  const tolerance = reference.e + measured.e;
  const judged = { trial: null, previous: null, reference, trialWindow: measured };
  if (measured.v > reference.v + tolerance) {
    return {
      ...judged,
      rule: "trial-accept",
      m: mTrial,
      adjusted: true,
      action: CONTINUE,
      trial: opts.climb ? climbing("up") : null,
      previous: last.accept,
    };
  }
  if (measured.v < reference.v - tolerance) {
    const restore: Action = { kind: "restore", snapshotId: trial.snapshotId };
    return {
      ...judged,
      rule: "trial-restore",
      m: trial.mBefore * f.beta,
      adjusted: true,
      action: restore,
    };
  }
  return { ...judged, ...revert(trial.mBefore, last.revert) };
}

/** No clear difference: back to the old multiplier, keeping the progress; `previous` ran at it. */
function revert(mBefore: number, previous: WindowStats | null) {
  return {
    rule: "trial-revert",
    m: mBefore,
    adjusted: false,
    action: CONTINUE,
    trial: null,
    previous,
  } as const;
}

/**
 * The multiplier of a paired trial's settling windows: the old one (`old`), or the lower of the
 * old and the trial one (`lower`), so that a downscale trial is judged, like an upscale, by the
 * progress a window at the higher LR leaves once both branches sit at the lower LR.
 */
function settleM(mBefore: number, mTrial: number, settleAt: SettleAt): number {
  return settleAt === "lower" ? Math.min(mBefore, mTrial) : mBefore;
}

/** After an accepted trial with `climb`: the next window is the reference of the next trial. */
function climbing(direction: Direction): Trial {
  return direction === "up" ? { stage: "reference" } : { stage: "reference", direction };
}

/**
 * A window of a paired trial's control branch. The first is only run; the second is compared,
 * batch for batch, with the trial branch's settling window (same batches, same LR, different
 * weights). The trial branch ahead: restore it and keep its LR. An upscale behind: stay on the
 * control branch and start a downscale trial from there. Otherwise the control branch goes on at
 * the old LR.
 */
function controlWindow(
  state: ControllerState,
  trial: Extract<Trial, { stage: "control" }>,
  stats: WindowStats,
  losses: readonly number[],
  f: Factors,
): Outcome {
  const { z, climb } = state.setup.adalrs;
  const direction = trial.direction ?? "up";
  if (trial.windows < state.setup.adalrs.settle) {
    return {
      rule: "control-window",
      // The control branch's first window ran at the old LR; its settling windows run where the
      // trial branch's did.
      m: settleM(trial.mBefore, trial.mTrial, state.setup.adalrs.settleAt),
      adjusted: false,
      action: CONTINUE,
      trial: { ...trial, windows: trial.windows + 1 },
      previous: null,
      reference: trial.reference,
    };
  }
  const paired = {
    ...pairedDifference(trial.settled, losses, z),
    trialFrom: trial.measured.fromStep,
    controlFrom: stats.toStep + 1 - (trial.windows + 1) * losses.length,
  };
  const judged = {
    previous: null,
    reference: stats,
    trialWindow: trial.settledStats,
    paired,
  };
  if (paired.difference < -paired.e) {
    return {
      ...judged,
      rule: "trial-accept",
      m: trial.mTrial,
      adjusted: true,
      action: { kind: "restore", snapshotId: trial.branchId },
      trial: climb ? climbing(direction) : null,
    };
  }
  if (paired.difference > paired.e && direction === "up") {
    // Evidence that α' is too far up, not that the LR is too high: the downscale is tried too.
    return {
      ...startTrial({ ...state, m: trial.mBefore }, stats, f, "down"),
      ...judged,
      rule: "trial-reject",
      adjusted: true,
    };
  }
  return { ...judged, ...revert(trial.mBefore, stats), bracketed: direction === "down" };
}

/** Mean and error (z standard errors) of `trial[i] - control[i]`, batch by batch. */
function pairedDifference(
  trial: readonly number[],
  control: readonly number[],
  z: number,
): Pick<PairedEvidence, "difference" | "e" | "k"> {
  const k = Math.min(trial.length, control.length);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += trial[i] - control[i];
  const difference = sum / k;
  let squares = 0;
  for (let i = 0; i < k; i++) {
    const r = trial[i] - control[i] - difference;
    squares += r * r;
  }
  const se = Math.sqrt(squares / (k - 1) / k);
  return { difference, e: z * se, k };
}

/**
 * The error of a window's mean loss, on the same z scale as its velocity error: the residual
 * spread over √k, recovered from the slope's error because Σ(t - t̄)² = k(k² - 1)/12.
 */
function levelError(w: WindowStats): number {
  const k = w.toStep - w.fromStep + 1;
  return w.e * Math.sqrt((k * k - 1) / 12);
}

/** The average of two independent window estimates; its error is that of a mean of two. */
function meanOf(a: WindowStats, b: WindowStats): WindowStats {
  return {
    fromStep: Math.min(a.fromStep, b.fromStep),
    toStep: Math.max(a.toStep, b.toStep),
    v: (a.v + b.v) / 2,
    e: Math.sqrt(a.e * a.e + b.e * b.e) / 2,
    mean: (a.mean + b.mean) / 2,
  };
}
