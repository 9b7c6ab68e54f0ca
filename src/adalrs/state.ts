/**
 * What the AdaLRS controller remembers between windows, and the questions a trainer asks of it:
 * the LR of the next step, which batch it trains on, which snapshots to keep, where the window ends.
 * Plain data, safe to store as JSON; `controller.ts` folds losses into it.
 *
 * @module
 */

import { baseLr } from "../schedule/mod.ts";
import type { ControllerSetup } from "./config.ts";
import type { LostUpscale, WindowSizing, WindowStats } from "./decision.ts";
import type { LossValue } from "./loss_value.ts";

/**
 * An upscale trial in progress, or a trigger waiting for its fresh reference window.
 *
 * - `reference`: the next window at the same LR is the reference of a trial (`fresh`, or after an
 *   accepted trial with `climb`: the next trial goes the same `direction`).
 * - `running`: the trial window at `mBefore * α'` is being measured against `reference`.
 * - `closing` (`bracket`, `trigger-return`, `paired`): the trial window was `measured`; one more
 *   window back at `mBefore` closes the reference around it, shows a setback, or (paired) ends the
 *   trial branch.
 * - `control` (`paired`): the trial branch was saved as `branchId` and `snapshotId` restored; the
 *   same steps run again at `mBefore`. `settled` holds the trial branch's last settling window's
 *   losses, compared batch for batch with the control branch's last window (and, with
 *   `earlyAccept`, `earlier` the windows before it, compared with the control branch's as they
 *   come).
 *
 * With `compare: "cooldown"` a window with `coolFrom` set is a cooldown: its LR falls linearly from
 * the branch's towards zero ({@linkcode currentLr}). The trial branch is saved as `branchId` before
 * its cooldown (stage `closing`), the control branch as `controlId` before its own (stage
 * `control`); `settled` then holds the trial branch's cooldown losses.
 */
export type Trial =
  | { stage: "reference"; direction?: Direction }
  | {
    stage: "running";
    snapshotId: string;
    mBefore: number;
    reference: WindowStats;
    direction?: Direction;
    /** (`bracketCeiling`) A downscale after a lost upscale: how far that one stood behind. */
    lostUpscale?: LostUpscale;
  }
  | {
    stage: "closing";
    direction?: Direction;
    lostUpscale?: LostUpscale;
    /** (`paired`) settling windows finished before this one. */
    settling?: number;
    /** (`earlyAccept`, upscales) The settling windows before the last, for earlier comparisons. */
    earlier?: SettlingWindow[];
    /** (`compare: "cooldown"`) First step of this cooldown window. */
    coolFrom?: number;
    snapshotId: string;
    mBefore: number;
    mTrial: number;
    reference: WindowStats;
    measured: WindowStats;
  }
  | {
    stage: "control";
    direction?: Direction;
    lostUpscale?: LostUpscale;
    snapshotId: string;
    branchId: string;
    mBefore: number;
    mTrial: number;
    reference: WindowStats;
    measured: WindowStats;
    settled: number[];
    settledStats: WindowStats;
    /** (`earlyAccept`, upscales) The trial branch's settling windows before the last. */
    earlier?: SettlingWindow[];
    /** Control windows measured so far. */
    windows: number;
    /** (`compare: "cooldown"`) First step of the control branch's cooldown window. */
    coolFrom?: number;
    /** (`compare: "cooldown"`) The control branch saved before its cooldown. */
    controlId?: string;
  };

/** One settling window of a paired trial's trial branch: its losses and their statistics. */
export interface SettlingWindow {
  losses: number[];
  stats: WindowStats;
}

/**
 * Which way a trial moves the LR: up by α' (every trial of revision 2), or down by β' (paired
 * trials test a downscale after an upscale lost, instead of applying it untested).
 */
export type Direction = "up" | "down";

/** Everything the controller remembers between windows. Plain data, safe to store as JSON. */
export interface ControllerState {
  setup: ControllerSetup;
  /** The compute step whose loss comes next. */
  nextStep: number;
  /**
   * Compute steps minus data steps: how many steps re-ran earlier batches (paired trials' control
   * branches). The schedule follows compute steps; the batches follow data steps.
   */
  dataOffset: number;
  /** Losses of the current, incomplete window. */
  pending: LossValue[];
  /**
   * (`controlVariate`) The reference losses of the same steps, null where a loss came without one;
   * absent when the setting is off.
   */
  pendingRefs?: (number | null)[];
  /** The AdaLRS multiplier m and the number n of adjustments so far. */
  m: number;
  n: number;
  /** Highest mean loss of any window so far (the divergence guard). */
  maxMean: number | null;
  /** The last window at the current LR; reset whenever the LR changes. */
  previous: WindowStats | null;
  /** Consecutive windows whose loss rose beyond the error bars. */
  rising: number;
  /**
   * (`paired`) An upscale lost and the downscale tried after it did not win: the LR is bracketed,
   * and with `stopWhenBracketed` no more trials start.
   */
  bracketed: boolean;
  /**
   * (`paired`) The direction of the last trial if it was kept, null if it was not (or before any
   * trial): with `repeatDownscale`, a kept downscale makes the next trial a downscale.
   */
  lastKept: Direction | null;
  /**
   * (`abortRise`, `bracketCeiling`) The multiplier from which an upscale blew up, or lost clearly
   * more than the downscale after it: no upscale trial starts from it or above. Null before any.
   */
  ceiling: number | null;
  trial: Trial | null;
  /** Decisions made so far. */
  decisions: number;
  /** (`noiseWindow`) The search phase's window and settling windows, once sized. */
  sized?: WindowSizing;
}

/**
 * The state of a run that has not seen any loss.
 *
 * @param setup the controller settings, schedule, peak LR and total steps
 */
export function initialState(setup: ControllerSetup): ControllerState {
  return {
    setup,
    nextStep: 0,
    dataOffset: 0,
    pending: [],
    m: 1,
    n: 0,
    maxMean: null,
    previous: null,
    rising: 0,
    bracketed: false,
    lastKept: null,
    ceiling: null,
    trial: null,
    decisions: 0,
  };
}

/**
 * The learning rate the trainer should use at `state.nextStep`: `m` times the base schedule, and
 * in a paired trial's cooldown window falling linearly from there, `(k - i) / k` at its i-th step.
 */
export function currentLr(state: ControllerState): number {
  const { schedule, peakLr, totalSteps } = state.setup;
  const lr = state.m * baseLr(schedule, peakLr, state.nextStep, totalSteps);
  const coolFrom = state.trial && "coolFrom" in state.trial ? state.trial.coolFrom : undefined;
  if (coolFrom === undefined) return lr;
  const k = windowLength(state);
  return lr * Math.max(0, k - (state.nextStep - coolFrom)) / k;
}

/**
 * The data position of `state.nextStep`: which step's batch the trainer draws next. It equals the
 * compute step until a paired trial replays batches.
 */
export function dataStep(state: ControllerState): number {
  // Views stored before revision 3 have no offset.
  return state.nextStep - (state.dataOffset ?? 0);
}

/**
 * The snapshots a trainer must still hold; it may free any other.
 *
 * @example
 * ```ts
 * import { heldSnapshots, initialState } from "./state.ts";
 * import { ADALRS_DEFAULTS } from "./config.ts";
 * const state = initialState({
 *   adalrs: ADALRS_DEFAULTS,
 *   schedule: { kind: "constant", warmupSteps: 0, minRatio: 0.1, decayFraction: 0.2 },
 *   peakLr: 1e-3,
 *   totalSteps: 1000,
 * });
 * if (heldSnapshots(state).length !== 0) throw new Error("nothing to hold before a trial");
 * ```
 */
export function heldSnapshots(state: ControllerState): string[] {
  const trial = state.trial;
  if (trial === null || trial.stage === "reference") return [];
  if (trial.stage === "control") {
    // Once the control branch is saved for its cooldown, the pre-trial state is no longer needed.
    return [trial.controlId ?? trial.snapshotId, trial.branchId];
  }
  return trial.stage === "closing" && trial.coolFrom !== undefined
    ? [trial.snapshotId, trialBranchId(trial.snapshotId)]
    : [trial.snapshotId];
}

/**
 * The id under which a paired trial saves its trial branch: the pre-trial snapshot's id and `t`
 * (with `compare: "cooldown"` it is saved before the branch's cooldown, else at the branch).
 */
export function trialBranchId(snapshotId: string): string {
  return `${snapshotId}t`;
}

/** The last step of the window that `state.nextStep` belongs to. */
export function windowEnd(state: ControllerState): number {
  return state.nextStep - state.pending.length + windowLength(state) - 1;
}

/** Losses per window now: the configured window, or (`noiseWindow`) the sized one. */
export function windowLength(state: ControllerState): number {
  return state.sized?.window ?? state.setup.adalrs.window;
}

/** A paired trial's settling windows now: the configured `settle`, or the sized one. */
export function settleWindows(state: ControllerState): number {
  return state.sized?.settle ?? state.setup.adalrs.settle;
}
