/**
 * The rules of AdaLRS (DESIGN.md, "AdaLRS, as this project implements it"), in priority order:
 * which one fires for a completed window, and what it changes.
 *
 * @module
 */

import type { SettleAt } from "./config.ts";
import type { Action, LostUpscale, PairedEvidence, Rule, WindowStats } from "./decision.ts";
import {
  type ControllerState,
  type Direction,
  settleWindows,
  type Trial,
  trialBranchId,
} from "./state.ts";
import { pairedDifference } from "./velocity.ts";

/**
 * What a rule decides: the rule's name and every field of the state it sets. Complete on purpose:
 * each rule starts from {@linkcode hold} and names what it changes, so no field is left to a
 * default somewhere else.
 */
export interface Outcome {
  rule: Rule;
  m: number;
  /** Whether the decision counts as an adjustment (n grows, so α' and β' decay). */
  adjusted: boolean;
  action: Action;
  trial: Trial | null;
  previous: WindowStats | null;
  /** The reference a trial was (or will be) judged against. */
  reference: WindowStats | null;
  /** The trial window that was judged (trial verdicts only). */
  trialWindow: WindowStats | null;
  /** Consecutive windows whose loss rose beyond the error bars, this one included. */
  rising: number;
  /** Steps whose batches run again from now on (a paired trial's control branch). */
  replayed: number;
  /** A paired verdict's evidence. */
  paired: PairedEvidence | null;
  /** Whether the LR is bracketed after this window (a downscale trial after a lost upscale did not win). */
  bracketed: boolean;
  /** The direction of the last trial if it was kept, after this window. */
  lastKept: Direction | null;
  /** The multiplier from which upscales blew up, after this window. */
  ceiling: number | null;
}

/** The factors in force for this window, and the id a new snapshot would get. */
export interface Factors {
  alpha: number;
  beta: number;
  snapshotId: string;
}

const CONTINUE: Action = { kind: "continue" };

/** A trial between its snapshot and its verdict. */
type ActiveTrial = Extract<Trial, { stage: "running" | "closing" | "control" }>;

/** The outcome that changes nothing but the rule and the window the next one compares with. */
function hold(state: ControllerState, rule: Rule, previous: WindowStats | null): Outcome {
  return {
    rule,
    m: state.m,
    adjusted: false,
    action: CONTINUE,
    trial: null,
    previous,
    reference: null,
    trialWindow: null,
    rising: 0,
    replayed: 0,
    paired: null,
    // Stored states from before revision 3 have no flag, from before revision 4 no record.
    bracketed: state.bracketed ?? false,
    lastKept: state.lastKept ?? null,
    // States stored before revision 6 have no ceiling.
    ceiling: state.ceiling ?? null,
  };
}

/**
 * Picks the rule for a completed window: a failed window first, then an active trial's next
 * stage (judged whatever the search phase: its window was started inside it), then the search.
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
  if (!state.setup.adalrs.enabled) return hold(state, "disabled", stats);
  const trial = state.trial?.stage === "reference" ? null : state.trial;
  if (stats === null) return failedWindow(state, trial, f);
  // A control branch exists only under paired trials; it is judged as one whatever the setting.
  if (trial?.stage === "control" || (trial !== null && state.setup.adalrs.trial === "paired")) {
    return pairedTrial(state, trial, stats, losses, f);
  }
  if (trial !== null) return sequentialTrial(state, trial, stats, f);
  return searchWindow(state, stats, f);
}

/** A window with a non-finite loss: never fit a line through NaN; reject the trial or downscale. */
function failedWindow(state: ControllerState, trial: ActiveTrial | null, f: Factors): Outcome {
  if (trial === null) {
    return { ...hold(state, "non-finite-downscale", null), m: state.m * f.beta, adjusted: true };
  }
  // In a cooled trial's control cooldown the pre-trial snapshot is gone: the saved control is
  // the state before the failure.
  const back = trial.stage === "control" && trial.controlId !== undefined
    ? { ...trial, snapshotId: trial.controlId }
    : trial;
  return { ...restoreDown(state, "non-finite-restore", back, f), reference: trial.reference };
}

/** Back to the trial's snapshot, and down from where it started: `m = m_prev · β'`. */
function restoreDown(
  state: ControllerState,
  rule: Rule,
  trial: { snapshotId: string; mBefore: number },
  f: Factors,
): Outcome {
  return {
    ...hold(state, rule, null),
    m: trial.mBefore * f.beta,
    adjusted: true,
    action: { kind: "restore", snapshotId: trial.snapshotId },
  };
}

/**
 * A window of the search phase with no trial running: watch the descent, and start a trial when it
 * slows (or when a reference window asked for one).
 */
function searchWindow(state: ControllerState, stats: WindowStats, f: Factors): Outcome {
  const { adalrs } = state.setup;
  if (!inSearchPhase(state, stats)) return hold(state, "outside-search", stats);

  if (stats.v < -stats.e) {
    if (state.rising + 1 >= 2) {
      return { ...hold(state, "rise-downscale", null), m: state.m * f.beta, adjusted: true };
    }
    return { ...hold(state, "rising", stats), rising: state.rising + 1 };
  }
  if (state.bracketed && adalrs.stopWhenBracketed) return hold(state, "bracketed", stats);
  if (state.trial?.stage === "reference") {
    const direction = state.trial.direction ?? "up";
    if (direction === "up" && underCeiling(state)) return hold(state, "ceiling", stats);
    return startTrial(state, stats, f, direction);
  }
  const slowed = state.previous !== null && stats.v < state.previous.v;
  if (!slowed) return hold(state, "observe", stats);
  if (state.maxMean !== null && stats.mean > state.maxMean) {
    return hold(state, "max-guard", stats);
  }
  if (adalrs.repeatDownscale && state.lastKept === "down") {
    // Coming down from too high: the upscale the trigger would try lost just before.
    return startTrial(state, stats, f, "down");
  }
  if (underCeiling(state)) return hold(state, "ceiling", stats);
  switch (adalrs.reference) {
    case "fresh":
      return { ...hold(state, "reference-window", stats), trial: { stage: "reference" } };
    case "trigger":
    case "bracket":
    case "trigger-return":
      return startTrial(state, stats, f, "up");
    case "pair":
      return startTrial(state, meanOf(stats, state.previous!), f, "up");
  }
}

/** Whether an upscale from here blew up before (`abortRise`): none is tried again. */
function underCeiling(state: ControllerState): boolean {
  // States stored before revision 6 have no ceiling.
  return state.m >= (state.ceiling ?? Infinity);
}

/** Whether a window ends inside the search phase, where trials may start. */
function inSearchPhase(state: ControllerState, stats: WindowStats): boolean {
  const { adalrs, totalSteps } = state.setup;
  const end = stats.toStep + 1;
  return end >= adalrs.searchStart * totalSteps && end <= adalrs.searchEnd * totalSteps;
}

/**
 * Snapshot, then move the LR by α' (up) or β' (down) for one trial window.
 *
 * @param lostUpscale (`bracketCeiling`) a downscale after a lost upscale: by how much that
 *   one lost, and its error
 */
function startTrial(
  state: ControllerState,
  reference: WindowStats,
  f: Factors,
  direction: Direction,
  lostUpscale?: LostUpscale,
): Outcome {
  const up = direction === "up";
  return {
    ...hold(state, up ? "upscale-trial" : "downscale-trial", null),
    m: state.m * (up ? f.alpha : f.beta),
    action: { kind: "snapshot", snapshotId: f.snapshotId },
    trial: {
      stage: "running",
      snapshotId: f.snapshotId,
      mBefore: state.m,
      reference,
      ...(!up && { direction }),
      ...(lostUpscale !== undefined && { lostUpscale }),
    },
    reference,
  };
}

/**
 * The next stage of a trial judged by velocity (`trial: "sequential"`): judged at once (`fresh`,
 * `trigger`, `pair`), or after one window back at the old LR (`bracket`, `trigger-return`).
 */
function sequentialTrial(
  state: ControllerState,
  trial: Extract<Trial, { stage: "running" | "closing" }>,
  stats: WindowStats,
  f: Factors,
): Outcome {
  const { reference: kind, climb } = state.setup.adalrs;
  const returns = kind === "bracket" || kind === "trigger-return";
  if (trial.stage === "running" && returns) {
    // Back to the old LR for one window: under `bracket` the reference then straddles the trial
    // in time; under both, the window shows whether the trial set training back.
    return trialReturn(state, trial, stats, trial.mBefore);
  }
  if (trial.stage === "running") {
    return judge(state, trial, trial.reference, stats, state.m, f, {
      accept: stats,
      revert: null,
      climb,
    });
  }
  // Velocity alone is fooled by a trial that spiked the loss and then recovered within its window
  // (a steep slope, but from a higher level): back at the old LR, the loss must not be above where
  // it stood before the trial.
  if (stats.mean - trial.reference.mean > levelError(trial.reference) + levelError(stats)) {
    return {
      ...restoreDown(state, "trial-setback", trial, f),
      reference: trial.reference,
      trialWindow: trial.measured,
    };
  }
  const reference = kind === "bracket" ? meanOf(trial.reference, stats) : trial.reference;
  return judge(state, trial, reference, trial.measured, trial.mTrial, f, {
    accept: null,
    revert: stats,
    climb,
  });
}

/** The trial window is measured: back to the old (or settling) LR, and close it next. */
function trialReturn(
  state: ControllerState,
  trial: Extract<Trial, { stage: "running" }>,
  stats: WindowStats,
  m: number,
): Outcome {
  return {
    ...hold(state, "trial-return", null),
    m,
    trial: { ...trial, stage: "closing", mTrial: state.m, measured: stats },
    reference: trial.reference,
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
  state: ControllerState,
  trial: { snapshotId: string; mBefore: number },
  reference: WindowStats,
  measured: WindowStats,
  mTrial: number,
  f: Factors,
  last: { accept: WindowStats | null; revert: WindowStats | null; climb: boolean },
): Outcome {
  const tolerance = reference.e + measured.e;
  const judged = { reference, trialWindow: measured };
  if (measured.v > reference.v + tolerance) {
    return {
      ...hold(state, "trial-accept", last.accept),
      ...judged,
      m: mTrial,
      adjusted: true,
      trial: last.climb ? climbing("up") : null,
    };
  }
  if (measured.v < reference.v - tolerance) {
    return { ...restoreDown(state, "trial-restore", trial, f), ...judged };
  }
  return { ...revert(state, trial.mBefore, last.revert), ...judged };
}

/** No clear difference: back to the old multiplier, keeping the progress; `previous` ran at it. */
function revert(state: ControllerState, mBefore: number, previous: WindowStats | null): Outcome {
  return { ...hold(state, "trial-revert", previous), m: mBefore };
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
 * The next stage of a paired trial (`trial: "paired"`): the trial window, `settle` windows at the
 * settling LR, then the control branch from the same snapshot on the same batches, and the verdict.
 */
function pairedTrial(
  state: ControllerState,
  trial: ActiveTrial,
  stats: WindowStats,
  losses: readonly number[],
  f: Factors,
): Outcome {
  const { settleAt, compare, abortRise, earlyAccept } = state.setup.adalrs;
  const settle = settleWindows(state);
  const cooldown = compare === "cooldown";
  switch (trial.stage) {
    case "running":
      if (
        abortRise > 0 && trial.direction !== "down" &&
        stats.mean > trial.reference.mean * (1 + abortRise)
      ) {
        return abortTrial(state, trial, stats, f);
      }
      if (cooldown) {
        // Save the trial branch as it stands, then cool it: the winner goes on from the save.
        return {
          ...trialReturn(state, trial, stats, state.m),
          rule: "trial-cooldown",
          action: { kind: "snapshot", snapshotId: trialBranchId(trial.snapshotId) },
          trial: {
            ...trial,
            stage: "closing",
            mTrial: state.m,
            measured: stats,
            coolFrom: stats.toStep + 1,
          },
        };
      }
      return trialReturn(state, trial, stats, settleM(trial.mBefore, state.m, settleAt));
    case "closing": {
      const settling = trial.settling ?? 0;
      if (!cooldown && settling + 1 < settle) {
        // The loss-level shift of the trial LR is still relaxing: one more settling window.
        const compareEarly = earlyAccept > 0 && trial.direction !== "down";
        return {
          ...hold(state, "trial-settle", null),
          m: settleM(trial.mBefore, trial.mTrial, settleAt),
          trial: {
            ...trial,
            settling: settling + 1,
            ...(compareEarly &&
              { earlier: [...(trial.earlier ?? []), { losses: [...losses], stats }] }),
          },
          reference: trial.reference,
        };
      }
      // The trial branch is done: keep it, and run its steps again at the old LR, same batches.
      const branchId = trialBranchId(trial.snapshotId);
      return {
        ...hold(state, "trial-branch", null),
        m: trial.mBefore,
        // Cooled, the trial branch was saved before its cooldown: only the restore is left.
        action: cooldown
          ? { kind: "restore", snapshotId: trial.snapshotId }
          : { kind: "branch", snapshotId: trial.snapshotId, saveAs: branchId },
        trial: {
          stage: "control",
          ...(trial.direction && { direction: trial.direction }),
          ...(trial.lostUpscale !== undefined && { lostUpscale: trial.lostUpscale }),
          snapshotId: trial.snapshotId,
          branchId,
          mBefore: trial.mBefore,
          mTrial: trial.mTrial,
          reference: trial.reference,
          measured: trial.measured,
          settled: [...losses],
          settledStats: stats,
          ...(trial.earlier && { earlier: trial.earlier }),
          windows: 0,
        },
        reference: trial.reference,
        trialWindow: trial.measured,
        replayed: stats.toStep + 1 - trial.measured.fromStep,
      };
    }
    case "control":
      return controlWindow(state, trial, stats, losses, f);
  }
}

/**
 * An upscale whose trial window blew up (`abortRise`): no settling or control branch can make it
 * win, so it is rejected now. The pre-trial snapshot comes back and the trial window's batches run
 * again, at β' below the old LR as the lost upscale's downscale trial (from that same snapshot), or
 * at the old LR once the search phase is over; no upscale starts from the old LR again.
 */
function abortTrial(
  state: ControllerState,
  trial: Extract<Trial, { stage: "running" }>,
  stats: WindowStats,
  f: Factors,
): Outcome {
  const aborted = {
    rule: "trial-abort" as const,
    adjusted: true,
    action: { kind: "restore", snapshotId: trial.snapshotId } as const,
    reference: trial.reference,
    trialWindow: stats,
    replayed: stats.toStep + 1 - stats.fromStep,
    lastKept: null,
    ceiling: Math.min(trial.mBefore, state.ceiling ?? Infinity),
  };
  if (!state.setup.adalrs.downscaleAfterSearch && !inSearchPhase(state, stats)) {
    // Restored to just after the trigger window: the next window compares with it.
    return { ...revert(state, trial.mBefore, trial.reference), ...aborted };
  }
  const fromSnapshot = { ...f, snapshotId: trial.snapshotId };
  return {
    ...startTrial({ ...state, m: trial.mBefore }, trial.reference, fromSnapshot, "down"),
    ...aborted,
  };
}

/**
 * A window of a paired trial's control branch. The first is only run; the last is compared,
 * batch for batch, with the trial branch's last settling window (same batches, same LR, different
 * weights), and with `earlyAccept` an upscale's windows in between too. The trial branch ahead:
 * restore it and keep its LR. An upscale behind: stay on the control branch and start a downscale
 * trial from there. Otherwise the control branch goes on at the old LR.
 */
function controlWindow(
  state: ControllerState,
  trial: Extract<Trial, { stage: "control" }>,
  stats: WindowStats,
  losses: readonly number[],
  f: Factors,
): Outcome {
  const { z, settleAt, downscaleOnTie, compare } = state.setup.adalrs;
  const settle = settleWindows(state);
  const direction = trial.direction ?? "up";
  const cooldown = compare === "cooldown";
  if (cooldown && trial.windows === 0) {
    // Save the control branch as it stands, then cool it like the trial branch.
    const controlId = `${trial.snapshotId}c`;
    return {
      ...hold(state, "control-cooldown", null),
      m: trial.mBefore,
      action: { kind: "snapshot", snapshotId: controlId },
      trial: { ...trial, windows: 1, coolFrom: stats.toStep + 1, controlId },
      reference: trial.reference,
    };
  }
  const early = earlyVerdict(state, trial, stats, losses);
  if (early !== null) return early;
  if (!cooldown && trial.windows < settle) {
    return {
      ...hold(state, "control-window", null),
      // The control branch's first window ran at the old LR; its settling windows run where the
      // trial branch's did.
      m: settleM(trial.mBefore, trial.mTrial, settleAt),
      trial: { ...trial, windows: trial.windows + 1 },
      reference: trial.reference,
    };
  }
  // A cooldown's first half still runs near each branch's own LR: its second half is the
  // annealed loss.
  const compared = cooldown ? Math.floor(losses.length / 2) : losses.length;
  const paired = {
    ...pairedDifference(trial.settled.slice(-compared), losses.slice(-compared), z),
    trialFrom: trial.measured.fromStep,
    controlFrom: stats.toStep + 1 - (trial.windows + 1) * losses.length,
    ...(cooldown && { cooldown: losses.length }),
    ...(trial.lostUpscale !== undefined && { lostUpscale: trial.lostUpscale }),
  };
  const judged = { reference: stats, trialWindow: trial.settledStats, paired };
  // Cooled, the control branch goes on from where it was saved before its cooldown, and its
  // cooldown window is no window at the LR that goes on.
  const last = cooldown ? null : stats;
  const stay: Action = trial.controlId === undefined
    ? CONTINUE
    : { kind: "restore", snapshotId: trial.controlId };
  const ahead = paired.difference < -paired.e;
  // A tie after a lost upscale leans down: the short comparison favours the higher LR.
  const tieDown = downscaleOnTie && direction === "down" && paired.difference <= paired.e;
  if (ahead || tieDown) return keepTrialBranch(state, trial, judged);
  if (paired.difference > paired.e && direction === "up") {
    const rejected = { ...judged, rule: "trial-reject" as const, adjusted: true, lastKept: null };
    if (!state.setup.adalrs.downscaleAfterSearch && !inSearchPhase(state, stats)) {
      // The search phase is over: the control branch goes on at the old LR, untried below.
      return { ...revert(state, trial.mBefore, last), ...rejected, action: stay };
    }
    // Evidence that α' is too far up, not that the LR is too high: the downscale is tried too.
    // Cooled, the saved control branch is its starting point: no new snapshot.
    const from = trial.controlId === undefined ? f : { ...f, snapshotId: trial.controlId };
    const lostBy = state.setup.adalrs.bracketCeiling
      ? { difference: paired.difference, e: paired.e }
      : undefined;
    const down = startTrial({ ...state, m: trial.mBefore }, stats, from, "down", lostBy);
    return { ...down, ...rejected, ...(trial.controlId !== undefined && { action: stay }) };
  }
  // Two lost trials bracket the LR; the one that clearly lost more points away from the best LR.
  const up = trial.lostUpscale;
  const high = up !== undefined && up.difference - paired.difference > up.e + paired.e;
  return {
    ...revert(state, trial.mBefore, last),
    action: stay,
    ...judged,
    bracketed: (state.bracketed ?? false) || direction === "down",
    lastKept: null,
    ...(high && { ceiling: Math.min(trial.mBefore, state.ceiling ?? Infinity) }),
  };
}

/**
 * (`earlyAccept`) An upscale's verdict before its last settling window: the trial branch's
 * settling window against the control window on the same batches, accepted only if the trial
 * branch is ahead by more than `earlyAccept` errors. The earlier a settling window, the more of the
 * trial LR's loss-level shift it still carries against the upscale, so a lead there lasts; the
 * restored trial branch has already trained the batches the control branch has not reached.
 *
 * @returns the accept, or null when the control branch goes on
 */
function earlyVerdict(
  state: ControllerState,
  trial: Extract<Trial, { stage: "control" }>,
  stats: WindowStats,
  losses: readonly number[],
): Outcome | null {
  const { earlyAccept, z } = state.setup.adalrs;
  // Control window i (from 1) replays the batches of the trial branch's settling window i.
  const settled = trial.earlier?.[trial.windows - 1];
  if (earlyAccept <= 0 || settled === undefined || trial.direction === "down") return null;
  const difference = pairedDifference(settled.losses, losses, z);
  if (!(difference.difference < -earlyAccept * difference.e)) return null;
  const k = losses.length;
  const paired = {
    ...difference,
    trialFrom: trial.measured.fromStep,
    controlFrom: stats.toStep + 1 - (trial.windows + 1) * k,
    settleWindow: trial.windows,
  };
  return {
    ...keepTrialBranch(state, trial, { reference: stats, trialWindow: settled.stats, paired }),
    // The control branch stops short: the trial branch is ahead by the windows it did not run.
    replayed: -(settleWindows(state) - trial.windows) * k,
  };
}

/** A paired trial's branch won: restore it and keep its LR. */
function keepTrialBranch(
  state: ControllerState,
  trial: Extract<Trial, { stage: "control" }>,
  judged: { reference: WindowStats; trialWindow: WindowStats; paired: PairedEvidence },
): Outcome {
  const direction = trial.direction ?? "up";
  return {
    ...hold(state, "trial-accept", null),
    ...judged,
    m: trial.mTrial,
    adjusted: true,
    action: { kind: "restore", snapshotId: trial.branchId },
    trial: state.setup.adalrs.climb ? climbing(direction) : null,
    lastKept: direction,
  };
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
