/**
 * The AdaLRS controller as a decider. `decide` answers losses from a trainer with a rejection or
 * with the decision they complete; `evolve` folds accepted losses into the state. Both are pure: no
 * clock, no randomness, no I/O, so replaying the same losses from the same initial state yields
 * the same decisions, bit for bit. The state lives in `state.ts`, the rules in `rules.ts`.
 *
 * @module
 */

import type { Decision, WindowStats } from "./decision.ts";
import { decodeLoss, type LossValue } from "./loss_value.ts";
import { sizeSearchWindow } from "./noise_window.ts";
import { chooseRule } from "./rules.ts";
import { type ControllerState, currentLr, windowEnd, windowLength } from "./state.ts";
import { velocity, velocityAgainst } from "./velocity.ts";

/** Why losses do not fit the controller, and the step it expects next. */
export interface Rejection {
  reason: string;
  expectedStep: number;
}

/** `decide`'s answer: the decision the losses complete (null mid-window), or why they don't fit. */
export type Decided =
  | { ok: true; decision: Decision | null }
  | { ok: false; rejection: Rejection };

/**
 * What consecutive losses from a trainer mean to the controller.
 *
 * Losses must start at `state.nextStep` and must not run past {@linkcode windowEnd}: a decision
 * must reach the trainer before the step after a window.
 *
 * @param state the controller before the losses
 * @param fromStep the compute step of the first loss
 * @param losses the losses, one per step
 * @param refs (`controlVariate`) a fixed reference model's loss on the same batches, one per loss
 * @returns the decision if the losses complete a window (null otherwise), or a rejection
 *
 * @example
 * ```ts
 * import { decide } from "./controller.ts";
 * import { initialState } from "./state.ts";
 * import { ADALRS_DEFAULTS } from "./config.ts";
 * const state = initialState({
 *   adalrs: ADALRS_DEFAULTS,
 *   schedule: { kind: "constant", warmupSteps: 0, minRatio: 0.1, decayFraction: 0.2 },
 *   peakLr: 1e-3,
 *   totalSteps: 1000,
 * });
 * const out = decide(state, 5, [3.1]);
 * if (out.ok || out.rejection.expectedStep !== 0) throw new Error("losses start at step 0");
 * ```
 */
export function decide(
  state: ControllerState,
  fromStep: number,
  losses: readonly LossValue[],
  refs?: readonly number[],
): Decided {
  const expectedStep = state.nextStep;
  const reject = (reason: string): Decided => ({ ok: false, rejection: { reason, expectedStep } });
  if (fromStep !== expectedStep) {
    const what = fromStep > expectedStep ? "leaves a gap" : "overlaps recorded losses";
    return reject(`fromStep ${fromStep} ${what}: the next step expected is ${expectedStep}`);
  }
  const last = fromStep + losses.length - 1;
  const end = windowEnd(state);
  if (last > end) {
    return reject(
      `Losses run to step ${last}, past the end of the controller's window at step ${end}: ` +
        `post at most ${end - fromStep + 1} losses, then apply the decision before step ${end + 1}`,
    );
  }
  const { window, full } = fill(state, losses, refs);
  return { ok: true, decision: window === null ? null : closeWindow(full, window).decision };
}

/**
 * Folds losses into the controller, deciding at every window's end. Total: the losses continue
 * at `state.nextStep` (`decide` refused any that did not before they were recorded), and losses
 * that run past a window's end fold into the next window after its decision.
 *
 * @param state the controller before the losses
 * @param losses the losses, one per step from `state.nextStep`
 * @param refs (`controlVariate`) the reference model's losses on the same batches
 * @returns the controller after them
 */
export function evolve(
  state: ControllerState,
  losses: readonly LossValue[],
  refs?: readonly number[],
): ControllerState {
  return foldLosses(state, losses, refs).state;
}

/**
 * {@linkcode evolve}, keeping the decisions made on the way: what replay, what-if and the
 * simulators read.
 *
 * @param state the controller before the losses
 * @param losses the losses, one per step from `state.nextStep`
 * @param refs (`controlVariate`) the reference model's losses on the same batches
 * @returns the controller after them, and the decision of every window they completed
 */
export function foldLosses(
  state: ControllerState,
  losses: readonly LossValue[],
  refs?: readonly number[],
): { state: ControllerState; decisions: Decision[] } {
  const decisions: Decision[] = [];
  let next = state;
  for (let at = 0; at < losses.length;) {
    const take = Math.min(losses.length - at, windowEnd(next) - next.nextStep + 1);
    const { window, full } = fill(next, losses.slice(at, at + take), refs?.slice(at, at + take));
    next = full;
    if (window !== null) {
      const closed = closeWindow(full, window);
      next = closed.state;
      decisions.push(closed.decision);
    }
    at += take;
  }
  return { state: next, decisions };
}

/** A completed window: its losses and, when every one came with it, their reference losses. */
interface FullWindow {
  losses: number[];
  refs: number[] | null;
}

/**
 * Appends losses that fit in the current window; when they complete it, returns its losses and
 * the state with an empty window, ready for {@linkcode closeWindow}. With `controlVariate` the
 * reference losses are kept beside them, null for a step that came without one.
 */
function fill(
  state: ControllerState,
  losses: readonly LossValue[],
  refs: readonly number[] | undefined,
): { full: ControllerState; window: FullWindow | null } {
  const pending = [...state.pending, ...losses];
  const nextStep = state.nextStep + losses.length;
  const pendingRefs = state.setup.adalrs.controlVariate
    ? [...(state.pendingRefs ?? []), ...losses.map((_, i) => refs?.[i] ?? null)]
    : undefined;
  if (pending.length < windowLength(state)) {
    return {
      full: { ...state, nextStep, pending, ...(pendingRefs && { pendingRefs }) },
      window: null,
    };
  }
  const complete = pendingRefs?.every((r): r is number => r !== null)
    ? pendingRefs as number[]
    : null;
  return {
    full: { ...state, nextStep, pending: [], ...(pendingRefs && { pendingRefs: [] }) },
    window: { losses: pending.map(decodeLoss), refs: complete },
  };
}

/** The decision for a completed window, and the state after it. */
function closeWindow(state: ControllerState, { losses, refs }: FullWindow): {
  state: ControllerState;
  decision: Decision;
} {
  const { adalrs } = state.setup;
  const toStep = state.nextStep - 1;
  const fromStep = toStep - losses.length + 1;
  const stats = windowStats(losses, refs, fromStep, adalrs.z);
  const alpha = Math.max(adalrs.lambda ** state.n * adalrs.alpha, 1);
  const betaFactor = Math.max(adalrs.lambda ** state.n * adalrs.beta, 1);
  const beta = 1 / betaFactor;
  const snapshotId = `s${state.decisions}`;
  const outcome = chooseRule(state, stats, { alpha, beta, snapshotId }, losses);
  const sized = sizeSearchWindow(state, stats, losses);

  const nextState: ControllerState = {
    ...state,
    m: outcome.m,
    n: state.n + (outcome.adjusted ? 1 : 0),
    maxMean: stats && (state.maxMean === null || stats.mean > state.maxMean)
      ? stats.mean
      : state.maxMean,
    previous: outcome.previous,
    rising: outcome.rising,
    bracketed: outcome.bracketed,
    lastKept: outcome.lastKept,
    ceiling: outcome.ceiling,
    trial: outcome.trial,
    // Stored states from before revision 3 have no offset.
    dataOffset: (state.dataOffset ?? 0) + outcome.replayed,
    decisions: state.decisions + 1,
    ...(sized && { sized }),
  };
  const decision: Decision = {
    index: state.decisions,
    rule: outcome.rule,
    window: { fromStep, toStep, stats },
    previous: state.previous,
    reference: outcome.reference,
    trial: outcome.trialWindow,
    ...(outcome.paired && { paired: outcome.paired }),
    ...(sized && { sized }),
    n: state.n,
    alpha,
    beta: adalrs.revision >= 3 ? betaFactor : beta,
    mBefore: state.m,
    mAfter: outcome.m,
    nextStep: state.nextStep,
    lr: currentLr(nextState),
    action: outcome.action,
  };
  return { state: nextState, decision };
}

/**
 * The window's statistics, or null for a failed window: a non-finite loss, or finite losses so
 * large that the fit itself overflows (both must never reach a comparison). With reference losses
 * for every step, the velocity is fitted with the batches' difficulty regressed out.
 *
 * @param losses the window's losses, in step order
 * @param refs the reference losses of the same steps, or null to fit the plain line
 * @param fromStep the window's first step
 * @param z the error bar, in standard errors of the slope
 */
export function windowStats(
  losses: number[],
  refs: number[] | null,
  fromStep: number,
  z: number,
): WindowStats | null {
  if (!losses.every(Number.isFinite)) return null;
  const against = refs && velocityAgainst(losses, refs);
  const { v, se, mean } = against ?? velocity(losses);
  const e = z * se;
  if (!Number.isFinite(v) || !Number.isFinite(e) || !Number.isFinite(mean)) return null;
  const toStep = fromStep + losses.length - 1;
  return { fromStep, toStep, v, e, mean, ...(against && { c: against.c }) };
}
