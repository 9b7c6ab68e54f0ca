/**
 * A loss-dynamics model read off a real LR sweep, with no fitted formula.
 *
 * Two tables, both taken straight from the sweep's (median-smoothed) training losses:
 *
 * - **Speed at a loss level.** For each sweep run, the first step its loss reached each level,
 *   and how fast it was falling then: the larger of the slope of that first-passage curve over
 *   ±`band` and the run's local slope at that step (a run that stalled at a high LR crossed the
 *   levels below its stall slowly but fell fast once its LR had decayed; the stall is the
 *   floor's to model). Between sweep LRs the speed is interpolated linearly in log LR. A run that
 *   never reached a level has speed 0 there: the sweep gives no evidence it could.
 * - **Floor of an LR.** The lowest loss any sweep run showed while its scheduled LR was at least
 *   η. A model below the floor of its current LR climbs back towards it (an LR too high for the
 *   loss reached so far undoes progress, as the 1e-2…1e-1 runs show by stalling or rising), and
 *   descent never takes it below that floor.
 *
 * A fixed-LR run in this model ends within 0.05 of its real run (tests/sim/sweep.test.ts), so a
 * simulated run's advantage comes from changing LRs, not from a model that flatters some LR.
 *
 * @module
 */

import type { SweepCurve } from "./sweep_log.ts";

/** Settings of the model; defaults in {@linkcode SWEEP_MODEL_DEFAULTS}. */
export interface SweepModelOptions {
  /** Spacing of the loss-level grid. */
  levelStep: number;
  /** Half-width, in loss, of the level band over which a first-passage slope is measured. */
  band: number;
  /** Fraction of the distance to the floor a loss below it climbs back per step. */
  relax: number;
  /** Steps before which scatter is not used to estimate the noise (the fast early descent). */
  noiseFrom: number;
}

/** Defaults for {@linkcode SweepModelOptions}. */
export const SWEEP_MODEL_DEFAULTS: SweepModelOptions = {
  levelStep: 0.01,
  // 0.05 either side spans 100-500 steps of the late curves: smooth enough, still local.
  band: 0.05,
  // The 1e-1 run climbed from 4.3 to 4.6 between steps 100 and 250 towards ~4.75: an e-folding
  // time of about 150 steps.
  relax: 1 / 150,
  noiseFrom: 500,
};

/** One sweep run, as the model uses it. */
export interface CurveModel {
  peakLr: number;
  /** Lowest smoothed loss the run reached. */
  minLoss: number;
  /** Descent speed (loss per step) at each grid level; 0 below `minLoss`. */
  speed: Float64Array;
}

/** The model of a sweep: plain data, built once, shared by every simulated run. */
export interface SweepModel {
  /** Loss at step 0 (first logged loss of the lowest-LR run). */
  initialLoss: number;
  /** Grid level i is `initialLoss - i * levelStep`. */
  levelStep: number;
  curves: CurveModel[];
  /** Floor table: scheduled LRs, descending, and the lowest loss seen at that LR or above. */
  floorLrs: number[];
  floorLosses: number[];
  /** Standard deviation of one step's training loss around its trend. */
  noise: number;
  relax: number;
}

/**
 * Builds the model from sweep curves.
 *
 * @param curves the sweep's runs (any order)
 * @param options grid, band, relaxation and noise settings
 */
export function buildSweepModel(
  curves: readonly SweepCurve[],
  options: Partial<SweepModelOptions> = {},
): SweepModel {
  const o = { ...SWEEP_MODEL_DEFAULTS, ...options };
  const sorted = [...curves].sort((a, b) => a.peakLr - b.peakLr);
  const initialLoss = sorted[0].losses[0];
  const smoothed = sorted.map((c) => runningMedian(c.steps, c.losses));
  const bottom = Math.min(...smoothed.map((s) => Math.min(...s)));
  const levels = Math.ceil((initialLoss - bottom) / o.levelStep) + 1;

  const models = sorted.map((curve, i): CurveModel => {
    // The run starts at the initial loss at step 0; its envelope is the best loss so far.
    const times = [0, ...curve.steps];
    const series = [initialLoss, ...smoothed[i]];
    const envelope = [...series];
    for (let j = 1; j < envelope.length; j++) {
      envelope[j] = Math.min(envelope[j], envelope[j - 1]);
    }
    const minLoss = envelope[envelope.length - 1];
    const speed = new Float64Array(levels);
    for (let k = 0; k < levels; k++) {
      const level = initialLoss - k * o.levelStep;
      if (level < minLoss) continue;
      const hi = Math.min(level + o.band, initialLoss);
      const lo = Math.max(level - o.band, minLoss);
      const dt = firstPassage(times, envelope, lo) - firstPassage(times, envelope, hi);
      const across = hi > lo && dt > 0 ? (hi - lo) / dt : 0;
      // A run that stalled at a high LR and moved on once its LR had decayed took long to cross
      // the level, but descended fast when it did: the stall is the floor's to model.
      const when = firstPassage(times, envelope, level);
      speed[k] = Math.max(across, -localSlope(times, series, when));
    }
    return { peakLr: curve.peakLr, minLoss, speed };
  });

  const samples = sorted.flatMap((c, i) => c.lrs.map((lr, j) => ({ lr, loss: smoothed[i][j] })));
  samples.sort((a, b) => b.lr - a.lr);
  const floorLrs: number[] = [];
  const floorLosses: number[] = [];
  let lowest = Infinity;
  for (const s of samples) {
    lowest = Math.min(lowest, s.loss);
    floorLrs.push(s.lr);
    floorLosses.push(lowest);
  }

  return {
    initialLoss,
    levelStep: o.levelStep,
    curves: models,
    floorLrs,
    floorLosses,
    noise: estimateNoise(sorted, initialLoss, o.noiseFrom),
    relax: o.relax,
  };
}

/**
 * Descent speed of a run at `peakLr` from `loss`: interpolated in log LR between the two sweep
 * runs around it, proportional to the LR below the lowest, that of the highest above it.
 */
export function sweepSpeed(model: SweepModel, loss: number, peakLr: number): number {
  const k = Math.round((model.initialLoss - loss) / model.levelStep);
  const level = Math.min(Math.max(k, 0), model.curves[0].speed.length - 1);
  const curves = model.curves;
  const first = curves[0];
  const last = curves[curves.length - 1];
  if (peakLr <= first.peakLr) return first.speed[level] * peakLr / first.peakLr;
  if (peakLr >= last.peakLr) return last.speed[level];
  let b = 1;
  while (curves[b].peakLr < peakLr) b++;
  const a = curves[b - 1];
  const w = Math.log(peakLr / a.peakLr) / Math.log(curves[b].peakLr / a.peakLr);
  return (1 - w) * a.speed[level] + w * curves[b].speed[level];
}

/** The lowest loss any sweep run showed while its scheduled LR was at least `lr`. */
export function sweepFloor(model: SweepModel, lr: number): number {
  const lrs = model.floorLrs;
  // Above the sweep's highest LR, the floor of the highest: the sweep says nothing beyond.
  const at = Math.min(lr, lrs[0]);
  // Binary search for the last entry with floorLrs[i] >= at (the table is descending).
  let lo = 0;
  let hi = lrs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lrs[mid] >= at) lo = mid;
    else hi = mid - 1;
  }
  return model.floorLosses[lo];
}

/** The time at which a non-increasing envelope first reaches `level`, linearly interpolated. */
function firstPassage(times: number[], envelope: number[], level: number): number {
  if (envelope[0] <= level) return times[0];
  let lo = 0;
  let hi = envelope.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (envelope[mid] <= level) hi = mid;
    else lo = mid;
  }
  const span = envelope[lo] - envelope[hi];
  const w = span > 0 ? (envelope[lo] - level) / span : 1;
  return times[lo] + w * (times[hi] - times[lo]);
}

/** Least-squares slope of `values` against `times` around time `t`, over the smoothing span. */
function localSlope(times: number[], values: number[], t: number): number {
  let j = 0;
  while (j < times.length - 1 && times[j + 1] <= t) j++;
  const w = Math.min(Math.max(Math.round(0.1 * j), 2), 20);
  const from = Math.max(j - w, 0);
  const to = Math.min(j + w, times.length - 1);
  let tMean = 0;
  let yMean = 0;
  for (let i = from; i <= to; i++) {
    tMean += times[i];
    yMean += values[i];
  }
  tMean /= to - from + 1;
  yMean /= to - from + 1;
  let sxx = 0;
  let sxy = 0;
  for (let i = from; i <= to; i++) {
    sxx += (times[i] - tMean) ** 2;
    sxy += (times[i] - tMean) * (values[i] - yMean);
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/**
 * Median of each point's neighbourhood, ±10% of its index (1 to 20 points each side): narrow
 * where the early loss falls fast, wide where the late loss barely moves; robust to the spikes
 * of diverging runs. At the end the neighbourhood is cut, not shrunk (the last loss alone is
 * too noisy to set a run's lowest level), and a one-sided median would lag the trend: there the
 * points are first moved along a robust (Theil-Sen) line to the point's own step.
 */
function runningMedian(times: readonly number[], values: readonly number[]): number[] {
  const n = values.length;
  return values.map((_, j) => {
    const w = Math.min(Math.max(Math.round(0.1 * j), 1), 20, j);
    const from = j - w;
    const to = Math.min(j + w, n - 1);
    if (to - j === w) return median(values.slice(from, to + 1));
    const slopes: number[] = [];
    for (let a = from; a <= to; a++) {
      for (let b = a + 1; b <= to; b++) {
        slopes.push((values[b] - values[a]) / (times[b] - times[a]));
      }
    }
    const slope = slopes.length > 0 ? median(slopes) : 0;
    const moved: number[] = [];
    for (let i = from; i <= to; i++) moved.push(values[i] - slope * (times[i] - times[j]));
    return median(moved);
  });
}

/**
 * Per-step noise: the scatter of consecutive logged losses (10 steps apart, where the trend moves
 * far less than the noise), by median absolute deviation, over the runs that did not diverge.
 */
function estimateNoise(curves: SweepCurve[], initialLoss: number, from: number): number {
  const deviations: number[] = [];
  for (const c of curves) {
    if (c.losses.some((x) => !Number.isFinite(x) || x > 2 * initialLoss)) continue;
    const diffs: number[] = [];
    for (let j = 1; j < c.losses.length; j++) {
      if (c.steps[j - 1] >= from) diffs.push(c.losses[j] - c.losses[j - 1]);
    }
    if (diffs.length === 0) continue;
    // Centred per run: runs descend at different speeds, which is trend, not noise.
    const center = median(diffs);
    for (const d of diffs) deviations.push(Math.abs(d - center));
  }
  if (deviations.length === 0) return 0;
  return 1.4826 * median(deviations) / Math.SQRT2;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
