/**
 * Decider-style test helpers for the AdaLRS reducer: `given(windows).when(window).then(decision)`,
 * plus builders of loss windows with exactly known velocity and error.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ADALRS_DEFAULTS,
  type AdalrsConfig,
  type ControllerSetup,
  type ControllerState,
  decide,
  type Decision,
  evolve,
  initialState,
  type LossValue,
} from "../../src/adalrs/mod.ts";
import { SCHEDULE_DEFAULTS } from "../../src/schedule/mod.ts";

/** Window length of every scenario: small, so losses can be written out by hand. */
export const K = 5;
/** Peak LR of every scenario; with the constant schedule, `lr = m * PEAK` exactly. */
export const PEAK = 1e-3;

/**
 * A setup with a constant schedule, the search phase over the whole run, and window {@link K};
 * sequential trials as revision 2 decided them unless `adalrs` says otherwise (the paired rules
 * have their own tests, with {@linkcode pairedSetup}, and revision 4's and cooled verdicts with their settings).
 */
export function setup(adalrs: Partial<AdalrsConfig> = {}, totalSteps = 1000): ControllerSetup {
  return {
    adalrs: {
      ...ADALRS_DEFAULTS,
      revision: 2,
      trial: "sequential",
      climb: false,
      downscaleAfterSearch: true,
      repeatDownscale: false,
      downscaleOnTie: false,
      compare: "settled",
      earlyAccept: 0,
      window: K,
      searchStart: 0,
      searchEnd: 1,
      reference: "trigger",
      ...adalrs,
    },
    schedule: { ...SCHEDULE_DEFAULTS, kind: "constant", warmupSteps: 0 },
    peakLr: PEAK,
    totalSteps,
  };
}

/** {@linkcode setup} with revision 3's paired trials, one settling window unless told otherwise. */
export function pairedSetup(
  adalrs: Partial<AdalrsConfig> = {},
  totalSteps = 1000,
): ControllerSetup {
  return setup(
    { revision: 3, trial: "paired", settle: 1, stopWhenBracketed: true, ...adalrs },
    totalSteps,
  );
}

/**
 * `k` (K) losses on a straight line through `mean` falling at `v` per step: velocity `v` and
 * standard error 0, exactly when `v` and `mean` are short binary fractions (0.5, 0.25, 3).
 */
export function line(v: number, mean = 3, k = K): number[] {
  return Array.from({ length: k }, (_, i) => mean - v * (i - (k - 1) / 2));
}

/**
 * A line plus a zigzag `+d, -d, +d, -d, +d` (over `k` losses, `+d, -d, ...`). At K the zigzag is orthogonal to the slope, so the
 * velocity is still `v`; it lifts the mean by d/5 and leaves residuals 0.8d, -1.2d, 0.8d, -1.2d,
 * 0.8d, so the standard error is sqrt(4.8 d² / 3 / 10) = 0.4 d.
 */
export function noisy(v: number, d: number, mean = 3, k = K): number[] {
  return line(v, mean, k).map((x, i) => x + (i % 2 === 0 ? d : -d));
}

/**
 * `losses` with `by` added, cycling through `by` (`[0.125]` shifts every loss; `[-0.25, 0.15]`
 * alternates): a branch's window against the other's, with a known difference per batch.
 */
export function shifted(losses: readonly number[], by: readonly number[]): number[] {
  return losses.map((x, i) => x + by[i % by.length]);
}

/** A scenario: the state after some windows, and the decisions they produced. */
export class Scenario {
  constructor(public state: ControllerState, public decisions: Decision[]) {}

  /** Folds one more window (or part of one) at the state's next step, with reference losses. */
  when(losses: readonly LossValue[], refs?: readonly number[]): Then {
    const decided = decide(this.state, this.state.nextStep, losses, refs);
    if (!decided.ok) throw new Error(decided.rejection.reason);
    const { decision } = decided;
    const decisions = decision ? [...this.decisions, decision] : this.decisions;
    return new Then(new Scenario(evolve(this.state, losses, refs), decisions), decision);
  }
}

/** The outcome of {@linkcode Scenario.when}. */
export class Then {
  constructor(public scenario: Scenario, public decision: Decision | null) {}

  /** Asserts the decision has every listed field, deep-equal; returns it for further checks. */
  then(expected: Partial<Decision>): Decision {
    assert.ok(this.decision, "Expected a decision, the window is incomplete");
    const picked = Object.fromEntries(
      Object.keys(expected).map((key) => [key, this.decision![key as keyof Decision]]),
    );
    assert.deepEqual(picked, expected);
    return this.decision;
  }
}

/** The state after folding `windows` one window at a time from the initial state. */
export function given(config: ControllerSetup, ...windows: LossValue[][]): Scenario {
  let scenario = new Scenario(initialState(config), []);
  for (const w of windows) scenario = scenario.when(w).scenario;
  return scenario;
}

/** Folds every window of `windows` and returns all decisions. */
export function fold(config: ControllerSetup, windows: readonly LossValue[][]): Decision[] {
  return given(config, ...windows).decisions;
}
