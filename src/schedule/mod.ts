/**
 * Base learning-rate schedules: pure functions of the compute step.
 *
 * The effective LR of a run is `m * baseLr(step)`, where `m` is the AdaLRS multiplier. Keeping the
 * schedule free of `m` lets the controller rescale a schedule without knowing its shape.
 *
 * @module
 */

/** Which base schedule a run follows. */
export type ScheduleKind = "constant" | "cosine" | "wsd";

/** A base schedule; every field has a default in {@linkcode SCHEDULE_DEFAULTS}. */
export interface ScheduleConfig {
  /** Shape after warmup: flat, cosine decay, or warmup-stable-decay. */
  kind: ScheduleKind;
  /** Steps of linear warmup from `peak / warmupSteps` to `peak`. */
  warmupSteps: number;
  /** Floor of the decay as a fraction of the peak (cosine and WSD). */
  minRatio: number;
  /** WSD only: fraction of all steps spent in the final linear decay. */
  decayFraction: number;
}

/** Defaults for {@linkcode ScheduleConfig}. */
export const SCHEDULE_DEFAULTS: ScheduleConfig = {
  kind: "cosine",
  warmupSteps: 0,
  minRatio: 0.1,
  decayFraction: 0.2,
};

/**
 * The base LR at a compute step, before the AdaLRS multiplier.
 *
 * @param schedule the schedule's shape
 * @param peak the peak LR (`optimizer.lr`)
 * @param step the 0-based compute step; steps spent in rejected trials count
 * @param totalSteps the run's total compute steps
 * @returns the base learning rate, in `[0, peak]`
 *
 * @example
 * ```ts
 * import { baseLr } from "./mod.ts";
 * const s = { kind: "cosine", warmupSteps: 0, minRatio: 0, decayFraction: 0 } as const;
 * if (baseLr(s, 1e-3, 0, 100) !== 1e-3) throw new Error("cosine starts at the peak");
 * ```
 */
export function baseLr(
  schedule: ScheduleConfig,
  peak: number,
  step: number,
  totalSteps: number,
): number {
  if (!(step >= 0)) throw new RangeError(`Step must be >= 0, got ${step}`);
  const t = Math.min(step, totalSteps - 1);
  if (t < schedule.warmupSteps) return peak * (t + 1) / schedule.warmupSteps;
  const floor = peak * schedule.minRatio;
  switch (schedule.kind) {
    case "constant":
      return peak;
    case "cosine": {
      const span = Math.max(1, totalSteps - 1 - schedule.warmupSteps);
      const progress = (t - schedule.warmupSteps) / span;
      // Written as a fall from the peak, so the first step after warmup is the peak exactly
      // (`floor + (peak - floor) * 1` can round above it).
      return peak - (peak - floor) * 0.5 * (1 - Math.cos(Math.PI * progress));
    }
    case "wsd": {
      // The decay never starts inside the warmup: a long decay shortens the stable phase, and
      // the LR falls from the peak without a jump.
      const decayStart = Math.max(
        totalSteps - Math.round(totalSteps * schedule.decayFraction),
        schedule.warmupSteps,
      );
      const decaySteps = totalSteps - decayStart;
      if (t < decayStart || decaySteps === 0) return peak;
      const progress = (t - decayStart + 1) / decaySteps;
      return peak - (peak - floor) * progress;
    }
  }
}
