/**
 * Loss descent velocity: the negated OLS slope of loss against step, with its standard error.
 *
 * @module
 */

/** Velocity of one window: how fast the loss falls, and how sure we are of it. */
export interface Velocity {
  /** -slope of the least-squares line through (step, loss), in loss per step. */
  v: number;
  /** Standard error of that slope (residual variance over Σ(t - t̄)²), before any z factor. */
  se: number;
  /** Mean loss of the window. */
  mean: number;
}

/**
 * Fits a line through `losses` at consecutive steps and returns its descent velocity.
 *
 * Sums run in index order so the result is bit-for-bit the same on every replay.
 *
 * @param losses at least three finite losses at consecutive steps
 * @returns the velocity, its standard error and the window's mean loss
 *
 * @example
 * ```ts
 * import { velocity } from "./velocity.ts";
 * const { v, se } = velocity([3, 2, 1]);
 * if (v !== 1 || se !== 0) throw new Error("a straight line falls at 1 per step, exactly");
 * ```
 */
export function velocity(losses: readonly number[]): Velocity {
  const k = losses.length;
  if (k < 3) throw new RangeError(`Velocity needs at least 3 losses, got ${k}`);
  const tMean = (k - 1) / 2;
  let lossSum = 0;
  for (const loss of losses) lossSum += loss;
  const mean = lossSum / k;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < k; i++) {
    sxx += (i - tMean) * (i - tMean);
    sxy += (i - tMean) * (losses[i] - mean);
  }
  const slope = sxy / sxx;
  let residuals = 0;
  for (let i = 0; i < k; i++) {
    const r = losses[i] - (mean + slope * (i - tMean));
    residuals += r * r;
  }
  return { v: -slope, se: Math.sqrt(residuals / (k - 2) / sxx), mean };
}

/**
 * {@linkcode velocity} with each batch's difficulty regressed out: the least-squares fit of
 * `loss = a + b·step + c·reference` over the window, where `reference` is a fixed model's loss on
 * the same batch (a control variate: the trainer's byte-bigram model, for example). The slope `b`
 * then no longer carries the batches' own difficulty, which on a small LM is most of the per-step
 * noise; `c` is fitted per window, so the reference need not be on the loss's scale.
 *
 * @param losses at least four finite losses at consecutive steps
 * @param references the reference model's loss on the same batches, one per loss
 * @returns the velocity, its standard error (k - 3 degrees of freedom), the window's plain mean
 *   loss and the fitted `c`; null when the references carry no information apart from the step
 *   (fewer than four, not all finite, constant, or on a line with the step), so the plain velocity
 *   must do
 *
 * @example
 * ```ts
 * import { velocityAgainst } from "./velocity.ts";
 * const refs = [2, 5, 3, 7, 4];
 * const losses = refs.map((r, i) => 3 - 0.1 * i + 0.5 * r);
 * const fit = velocityAgainst(losses, refs)!;
 * if (Math.abs(fit.v - 0.1) > 1e-12 || fit.se > 1e-9) throw new Error("the difficulty is removed");
 * ```
 */
export function velocityAgainst(
  losses: readonly number[],
  references: readonly number[],
): (Velocity & { c: number }) | null {
  const k = losses.length;
  if (k < 4 || references.length !== k || !references.every(Number.isFinite)) return null;
  const tMean = (k - 1) / 2;
  let lossSum = 0;
  let refSum = 0;
  for (let i = 0; i < k; i++) {
    lossSum += losses[i];
    refSum += references[i];
  }
  const mean = lossSum / k;
  const refMean = refSum / k;
  let stt = 0, srr = 0, str = 0, sty = 0, sry = 0;
  for (let i = 0; i < k; i++) {
    const t = i - tMean;
    const r = references[i] - refMean;
    const y = losses[i] - mean;
    stt += t * t;
    srr += r * r;
    str += t * r;
    sty += t * y;
    sry += r * y;
  }
  const det = stt * srr - str * str;
  // A reference that is constant or follows the step cannot be told apart from the slope.
  if (!(det > 1e-9 * stt * srr) || !(srr > 0)) return null;
  const slope = (srr * sty - str * sry) / det;
  const c = (stt * sry - str * sty) / det;
  let residuals = 0;
  for (let i = 0; i < k; i++) {
    const r = losses[i] - mean - slope * (i - tMean) - c * (references[i] - refMean);
    residuals += r * r;
  }
  return { v: -slope, se: Math.sqrt((residuals / (k - 3)) * (srr / det)), mean, c };
}

/**
 * Mean and error of `a[i] - b[i]`, pair by pair: what a paired verdict compares (two branches'
 * losses on the same batches, so each batch's own difficulty cancels).
 *
 * @param a the first branch's losses (a paired trial's trial branch)
 * @param b the second branch's losses, on the same batches (the control branch)
 * @param z the error is z standard errors of the mean difference
 * @returns the mean difference (negative: `a` is lower), its error, and the pairs compared
 *
 * @example
 * ```ts
 * import { pairedDifference } from "./velocity.ts";
 * const { difference, e } = pairedDifference([1, 2, 3], [1.5, 2.5, 3.5], 1);
 * if (difference !== -0.5 || e !== 0) throw new Error("ahead by 0.5 on every batch");
 * ```
 */
export function pairedDifference(
  a: readonly number[],
  b: readonly number[],
  z: number,
): { difference: number; e: number; k: number } {
  const k = Math.min(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += a[i] - b[i];
  const difference = sum / k;
  let squares = 0;
  for (let i = 0; i < k; i++) {
    const r = a[i] - b[i] - difference;
    squares += r * r;
  }
  const se = Math.sqrt(squares / (k - 1) / k);
  return { difference, e: z * se, k };
}
