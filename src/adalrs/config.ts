/**
 * AdaLRS controller settings. Each field is a choice the paper leaves open or a default it
 * reports; the README explains each one.
 *
 * @module
 */

import type { ScheduleConfig } from "../schedule/mod.ts";

/**
 * Which window the velocity of an upscale trial is compared against.
 *
 * - `trigger`: the window whose slowdown started the trial. Biased: it was picked *because* it was
 *   slow, so trials look better than they are and the LR ratchets upward.
 * - `pair`: the mean of the trigger window and the one before it; the two selection biases cancel,
 *   but the reference is older, so on a decelerating loss curve trials look worse than they are.
 * - `fresh`: one more window at the old LR after the trigger, measured before the trial starts;
 *   nothing selected it, and it is the closest in time to the trial. Costs one window per trial.
 * - `bracket`: the mean of the trigger window and one more window back at the old LR right after
 *   the trial: the two straddle the trial in time, so a steady slowing of the descent cancels.
 *   Costs one window per trial.
 */
export type ReferenceKind = "trigger" | "pair" | "fresh" | "bracket";

/** Settings of the AdaLRS search; defaults in {@linkcode ADALRS_DEFAULTS}. */
export interface AdalrsConfig {
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
  /** What a trial's velocity is compared with. */
  reference: ReferenceKind;
}

/** Defaults for {@linkcode AdalrsConfig}. */
export const ADALRS_DEFAULTS: AdalrsConfig = {
  enabled: true,
  // 20 losses give a usable slope on per-step noise while leaving a 1,000-step run with 15
  // windows in its default search phase, enough for several trials.
  window: 20,
  alpha: 3,
  beta: 2,
  lambda: 0.99,
  z: 1,
  searchStart: 0.1,
  searchEnd: 0.4,
  reference: "fresh",
};

/** Everything the controller needs to turn a multiplier into a learning rate. */
export interface ControllerSetup {
  adalrs: AdalrsConfig;
  schedule: ScheduleConfig;
  /** Peak LR of the base schedule (`optimizer.lr`). */
  peakLr: number;
  /** Total compute steps of the run. */
  totalSteps: number;
}
