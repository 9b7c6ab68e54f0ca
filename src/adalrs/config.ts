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

/**
 * Defaults for {@linkcode AdalrsConfig}. Window, z and reference were chosen on two simulated
 * trainers (a synthetic landscape and the dynamics of a real LR sweep); docs/controller.md has the
 * study, its table and the command that reproduces it.
 */
export const ADALRS_DEFAULTS: AdalrsConfig = {
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
};

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
 * The revision of the controller's rules. Bump it whenever a rule changes what it decides for the
 * same losses: experiments tag AdaLRS runs with it, so a rerun after a rule change trains new
 * AdaLRS runs instead of reusing runs the old rules decided. (Replay of an old run with the new
 * rules is `deno task what-if`.)
 */
export const CONTROLLER_REVISION = 2;

/** Everything the controller needs to turn a multiplier into a learning rate. */
export interface ControllerSetup {
  adalrs: AdalrsConfig;
  schedule: ScheduleConfig;
  /** Peak LR of the base schedule (`optimizer.lr`). */
  peakLr: number;
  /** Total compute steps of the run. */
  totalSteps: number;
}
