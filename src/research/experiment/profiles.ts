/**
 * The experiment's profiles: which model, how long, how big a batch, which AdaLRS window, and
 * where the LR grid is centred. `quick` checks the whole loop in minutes; `full` makes the
 * published numbers. Every size is a parameter: `deno task experiment --profile full --steps
 * 2000` adjusts it once the machine's speed is known.
 *
 * @module
 */

import { RunDefinitionSchema } from "../../events/mod.ts";
import type { RunDefinition } from "../../events/mod.ts";
import type { ScheduleKind } from "../../schedule/mod.ts";

/** What a profile fixes. */
export interface ProfileSize {
  layers: number;
  width: number;
  heads: number;
  steps: number;
  batchSize: number;
  sequenceLength: number;
  /** AdaLRS window (losses per velocity estimate). */
  window: number;
  /** Validation every N steps, over `evalBatches` fixed batches. */
  evalEvery: number;
  evalBatches: number;
  /** Linear warmup, as a fraction of the steps. */
  warmupFraction: number;
  /** Center of the LR grid: a guess of the fit LR (the grid extends if the guess is off). */
  center: number;
  /** Worker processes (each single-threaded) training runs side by side. */
  workers: number;
  /** Assumed seconds per step, evaluations included, for the wall-time estimate printed first. */
  secondsPerStep: number;
}

/** The profiles by name. */
export const PROFILES = {
  // Checks the whole loop in minutes, not the science: a 22k-parameter GPT (1 layer, width 32)
  // on 16 × 32-byte batches. In the pipeline a step costs ~50-70 ms per worker here (the worker
  // checks the store every step), so 11 runs of 1,200 steps take ~6 minutes on 2 cores. Window 20
  // gives 18 windows of search, but each holds only 10k tokens: the velocities are noisy.
  quick: {
    layers: 1,
    width: 32,
    heads: 2,
    steps: 1200,
    batchSize: 16,
    sequenceLength: 32,
    window: 20,
    evalEvery: 50,
    evalBatches: 8,
    warmupFraction: 0.05,
    center: 1e-2,
    workers: 2,
    secondsPerStep: 0.06,
  },
  // The published numbers. GPT 3 layers × width 128 (4 heads): 636k parameters, byte-level, on
  // Moby Dick. Why these sizes:
  // - Noise decides whether AdaLRS can see anything. A window's velocity error falls with the
  //   tokens in the window (as W^-1.5 against the signal); at 16 × 64 tokens a step and window 50
  //   (51k tokens) the error (~4.5e-4 a step) swamped the velocity differences between LRs 3x
  //   apart and every trial was inconclusive (a 2,000-step run from 10x too small never moved).
  //   32 × 64 tokens a step doubles the window to 102k tokens (2.8x the signal-to-noise) and
  //   keeps AdaLRS's default window 50 and search phase [0.1, 0.4]: 18 windows of search.
  // - 3,000 steps: 6.1M tokens a run, ~5.5 epochs of the 1.1 MB training split.
  // - Warmup 5% (150 steps), so high fixed LRs are not judged on a bad start alone.
  // - Time: 7 sweep + 4 AdaLRS runs on 2 single-threaded workers are 6 rounds of one run each
  //   (7 with one grid extension). At ~0.27 s a step (one BLAS thread per worker, both busy;
  //   measured 0.54 s with the machine shared by other jobs) a run takes ~14 min with its
  //   evaluations, one schedule ~1.5 h. Wall time is linear in `--steps`: lower it first if the
  //   first runs report a slower pace (the progress line's ETA); `--batch 16` halves it too, at
  //   the cost of the noise above.
  full: {
    layers: 3,
    width: 128,
    heads: 4,
    steps: 3000,
    batchSize: 32,
    sequenceLength: 64,
    window: 50,
    evalEvery: 100,
    evalBatches: 8,
    warmupFraction: 0.05,
    center: 3e-3,
    workers: 2,
    secondsPerStep: 0.29,
  },
} as const satisfies Record<string, ProfileSize>;

/** A profile's name. */
export type ProfileName = keyof typeof PROFILES;

/**
 * The base run definition of a profile under a schedule; `optimizer.lr` is a placeholder (each
 * run of the experiment sets its own).
 *
 * @param size the profile's sizes (with any overrides applied)
 * @param schedule the base LR schedule
 * @param seed the seed every run shares
 * @returns a resolved run definition
 */
export function profileDefinition(
  size: ProfileSize,
  schedule: ScheduleKind,
  seed = 0,
): RunDefinition {
  return RunDefinitionSchema.parse({
    name: "experiment",
    mode: "managed",
    model: { kind: "gpt", layers: size.layers, width: size.width, heads: size.heads },
    data: { corpus: "moby-dick" },
    training: {
      steps: size.steps,
      batchSize: size.batchSize,
      sequenceLength: size.sequenceLength,
      seed,
      evalEvery: size.evalEvery,
      evalBatches: size.evalBatches,
      checkpointEvery: Math.max(200, Math.round(size.steps / 10)),
    },
    optimizer: { lr: size.center },
    schedule: { kind: schedule, warmupSteps: Math.round(size.warmupFraction * size.steps) },
    adalrs: { window: size.window },
  });
}

/**
 * Estimated wall time of an experiment: the sweep's runs, then the AdaLRS runs, each phase in
 * rounds of `workers` runs at once.
 *
 * @param opts runs in the sweep and after it, steps per run, seconds per step, workers
 * @returns seconds
 */
export function estimateSeconds(opts: {
  sweepRuns: number;
  adalrsRuns: number;
  steps: number;
  secondsPerStep: number;
  workers: number;
}): number {
  const rounds = Math.ceil(opts.sweepRuns / opts.workers) +
    Math.ceil(opts.adalrsRuns / opts.workers);
  return rounds * opts.steps * opts.secondsPerStep;
}
