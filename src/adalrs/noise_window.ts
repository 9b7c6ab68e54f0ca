/**
 * The search phase's window, sized from the run's own noise (`noiseWindow`, revision 11): as
 * short as a window can be and still measure the loss's descent to within half of itself.
 *
 * @module
 */

import type { AdalrsConfig } from "./config.ts";
import type { WindowSizing, WindowStats } from "./decision.ts";
import type { ControllerState } from "./state.ts";
import { velocity } from "./velocity.ts";

/** Fewer losses than this and one window's slope is mostly noise (as `defaultWindow`'s floor). */
export const MIN_NOISE_WINDOW = 10;

/**
 * The sizing that the window just closed makes (`noiseWindow`), if it makes one: only the last
 * window that ends before the search phase does, when the window before it ran at the same LR and
 * neither failed. A search phase that starts within the first two windows keeps the configured
 * window.
 *
 * @param state the controller before the window's decision
 * @param last the window's statistics, null for a failed window
 * @param losses its losses
 */
export function sizeSearchWindow(
  state: ControllerState,
  last: WindowStats | null,
  losses: readonly number[],
): WindowSizing | undefined {
  const { adalrs, totalSteps } = state.setup;
  const start = adalrs.searchStart * totalSteps;
  const end = state.nextStep;
  const lastBefore = end < start && end + adalrs.window >= start;
  if (!adalrs.noiseWindow || state.sized || !lastBefore || !last || !state.previous) return;
  return sizeWindow(adalrs, state.previous, last, losses);
}

/**
 * Sizes the search phase's window from the last two windows before it.
 *
 * A window's velocity error is `z·σ·√12 / k^1.5` for per-step noise σ (the residual spread
 * around its line), so the shortest window whose error is at most half the descent velocity v is
 * `k = (2·z·σ·√12 / v)^(2/3)`. Shorter, a slowdown trigger is mostly noise; longer, fewer trials
 * fit in the phase. v comes from the two windows' means, k steps apart (a steadier estimate than
 * one window's slope), σ from the last window's residuals. The window is kept between
 * {@linkcode MIN_NOISE_WINDOW} and the configured one, which a descent too slow to measure keeps.
 * The settling windows keep the settling time the settings ask for, `settle · window` steps: the
 * loss-level shift of an LR change relaxes in steps, whatever the window.
 *
 * @param adalrs the run's settings (`window`, `settle`, `z`)
 * @param previous the window before the last, at the same LR
 * @param last the last window's statistics
 * @param losses the last window's losses
 * @returns the window and settling windows from now on, with the evidence
 *
 * @example
 * ```ts
 * import { ADALRS_DEFAULTS } from "./config.ts";
 * import { sizeWindow } from "./noise_window.ts";
 * // Falling 0.002 a step with ±0.04 of noise: 27 losses measure that to within half.
 * const losses = Array.from({ length: 50 }, (_, i) => 3 - 0.002 * i + (i % 2 ? 0.04 : -0.04));
 * const stats = (fromStep: number, mean: number) =>
 *   ({ fromStep, toStep: fromStep + 49, v: 0.002, e: 0.0008, mean });
 * const sized = sizeWindow(ADALRS_DEFAULTS, stats(0, 3.051), stats(50, 2.951), losses);
 * if (sized.window !== 27 || sized.settle !== 4) throw new Error("27 losses, 4 settling windows");
 * ```
 */
export function sizeWindow(
  adalrs: AdalrsConfig,
  previous: WindowStats,
  last: WindowStats,
  losses: readonly number[],
): WindowSizing {
  const k = losses.length;
  const v = (previous.mean - last.mean) / k;
  const sxx = (k * (k * k - 1)) / 12;
  const noise = velocity(losses).se * Math.sqrt(sxx);
  const fit = Math.pow((2 * adalrs.z * noise * Math.sqrt(12)) / v, 2 / 3);
  const window = v > 0 && Number.isFinite(fit)
    ? Math.min(adalrs.window, Math.max(MIN_NOISE_WINDOW, Math.round(fit)))
    : adalrs.window;
  const settle = Math.max(1, Math.ceil((adalrs.settle * adalrs.window) / window));
  return { window, settle, v, noise };
}
