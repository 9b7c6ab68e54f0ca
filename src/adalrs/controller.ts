/**
 * The AdaLRS controller as a pure reducer: `(state, losses) -> (state, decision)`.
 *
 * No clock, no randomness, no I/O: replaying the same losses from the same initial state yields
 * the same decisions, bit for bit. File order follows the decider pattern: state, then the
 * transition, then the rules it applies.
 *
 * @module
 */

import { baseLr } from "../schedule/mod.ts";
import type { ControllerSetup } from "./config.ts";
import type { Action, Decision, Rule, WindowStats } from "./decision.ts";
import { decodeLoss, type LossValue } from "./loss_value.ts";
import { velocity } from "./velocity.ts";

/** An upscale trial in progress, or a trigger waiting for its fresh reference window. */
export type Trial =
  | { stage: "reference" }
  | { stage: "running"; snapshotId: string; mBefore: number; reference: WindowStats };

/** Everything the controller remembers between windows. Plain data, safe to store as JSON. */
export interface ControllerState {
  setup: ControllerSetup;
  /** The compute step whose loss comes next. */
  nextStep: number;
  /** Losses of the current, incomplete window. */
  pending: LossValue[];
  /** The AdaLRS multiplier m and the number n of adjustments so far. */
  m: number;
  n: number;
  /** Highest mean loss of any window so far (the divergence guard). */
  maxMean: number | null;
  /** The last window at the current LR; reset whenever the LR changes. */
  previous: WindowStats | null;
  /** Consecutive windows whose loss rose beyond the error bars. */
  rising: number;
  trial: Trial | null;
  /** Decisions made so far. */
  decisions: number;
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
    pending: [],
    m: 1,
    n: 0,
    maxMean: null,
    previous: null,
    rising: 0,
    trial: null,
    decisions: 0,
  };
}

/** The learning rate the trainer should use at `state.nextStep`. */
export function currentLr(state: ControllerState): number {
  const { schedule, peakLr, totalSteps } = state.setup;
  return state.m * baseLr(schedule, peakLr, state.nextStep, totalSteps);
}

/** The last step of the window that `state.nextStep` belongs to. */
export function windowEnd(state: ControllerState): number {
  return state.nextStep - state.pending.length + state.setup.adalrs.window - 1;
}

/**
 * Folds consecutive losses into the controller; decides when they complete a window.
 *
 * The caller guarantees `fromStep === state.nextStep` and that the losses do not run past
 * {@linkcode windowEnd}: a decision must reach the trainer before the step after a window.
 *
 * @returns the next state, and the decision if the losses completed a window
 */
export function recordLosses(
  state: ControllerState,
  fromStep: number,
  losses: readonly LossValue[],
): { state: ControllerState; decision: Decision | null } {
  if (fromStep !== state.nextStep) {
    throw new RangeError(`Losses must start at step ${state.nextStep}, got ${fromStep}`);
  }
  if (fromStep + losses.length - 1 > windowEnd(state)) {
    throw new RangeError(`Losses must not run past step ${windowEnd(state)}`);
  }
  const pending = [...state.pending, ...losses];
  const next = { ...state, nextStep: fromStep + losses.length, pending };
  if (pending.length < state.setup.adalrs.window) return { state: next, decision: null };
  return decideWindow({ ...next, pending: [] }, pending.map(decodeLoss));
}

/** What a rule changes: the rule's name plus the fields of the state it sets. */
interface Outcome {
  rule: Rule;
  m: number;
  adjusted: boolean;
  action: Action;
  trial: Trial | null;
  previous: WindowStats | null;
  reference?: WindowStats | null;
  rising?: number;
}

function decideWindow(state: ControllerState, losses: number[]): {
  state: ControllerState;
  decision: Decision;
} {
  const { adalrs } = state.setup;
  const toStep = state.nextStep - 1;
  const fromStep = toStep - losses.length + 1;
  const stats = losses.every(Number.isFinite) ? windowStats(losses, fromStep, adalrs.z) : null;
  const alpha = Math.max(adalrs.lambda ** state.n * adalrs.alpha, 1);
  const beta = 1 / Math.max(adalrs.lambda ** state.n * adalrs.beta, 1);
  const snapshotId = `s${state.decisions}`;
  const outcome = chooseRule(state, stats, { alpha, beta, snapshotId });

  const mAfter = outcome.m;
  const nextState: ControllerState = {
    ...state,
    m: mAfter,
    n: state.n + (outcome.adjusted ? 1 : 0),
    maxMean: stats && (state.maxMean === null || stats.mean > state.maxMean)
      ? stats.mean
      : state.maxMean,
    previous: outcome.previous,
    rising: outcome.rising ?? 0,
    trial: outcome.trial,
    decisions: state.decisions + 1,
  };
  const decision: Decision = {
    index: state.decisions,
    rule: outcome.rule,
    window: { fromStep, toStep, stats },
    previous: state.previous,
    reference: outcome.reference ?? null,
    n: state.n,
    alpha,
    beta,
    mBefore: state.m,
    mAfter,
    nextStep: state.nextStep,
    lr: currentLr(nextState),
    action: outcome.action,
  };
  return { state: nextState, decision };
}

function windowStats(losses: number[], fromStep: number, z: number): WindowStats {
  const { v, se, mean } = velocity(losses);
  return { fromStep, toStep: fromStep + losses.length - 1, v, e: z * se, mean };
}

const CONTINUE: Action = { kind: "continue" };

/** The rules of DESIGN.md, in priority order. */
function chooseRule(
  state: ControllerState,
  stats: WindowStats | null,
  f: { alpha: number; beta: number; snapshotId: string },
): Outcome {
  const { adalrs, totalSteps } = state.setup;
  const trial = state.trial?.stage === "running" ? state.trial : null;
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

  if (trial) {
    const tolerance = trial.reference.e + stats.e;
    const judged = { trial: null, previous: null, reference: trial.reference };
    if (stats.v > trial.reference.v + tolerance) {
      // The trial LR stays; the trial window is the first window at it.
      return {
        ...judged,
        rule: "trial-accept",
        m: state.m,
        adjusted: true,
        action: CONTINUE,
        previous: stats,
      };
    }
    if (stats.v < trial.reference.v - tolerance) {
      const restore: Action = { kind: "restore", snapshotId: trial.snapshotId };
      return {
        ...judged,
        rule: "trial-restore",
        m: trial.mBefore * f.beta,
        adjusted: true,
        action: restore,
      };
    }
    return { ...judged, rule: "trial-revert", m: trial.mBefore, adjusted: false, action: CONTINUE };
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

  if (state.trial?.stage === "reference") return upscale(state, stats, f);
  const slowed = state.previous !== null && stats.v < state.previous.v;
  if (!slowed) return { ...keep, rule: "observe", previous: stats };
  if (state.maxMean !== null && stats.mean > state.maxMean) {
    return { ...keep, rule: "max-guard", previous: stats };
  }
  switch (adalrs.reference) {
    case "fresh":
      return { ...keep, rule: "reference-window", trial: { stage: "reference" }, previous: stats };
    case "trigger":
      return upscale(state, stats, f);
    case "pair":
      return upscale(state, meanOf(stats, state.previous!), f);
  }
}

function upscale(
  state: ControllerState,
  reference: WindowStats,
  f: { alpha: number; snapshotId: string },
): Outcome {
  return {
    rule: "upscale-trial",
    m: state.m * f.alpha,
    adjusted: false,
    action: { kind: "snapshot", snapshotId: f.snapshotId },
    trial: { stage: "running", snapshotId: f.snapshotId, mBefore: state.m, reference },
    previous: null,
    reference,
  };
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
