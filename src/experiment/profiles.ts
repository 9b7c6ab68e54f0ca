/**
 * The experiment's profiles: which model, how long, how big a batch, which AdaLRS window, and
 * where the LR grid is centred. `quick` checks the whole loop in minutes; `full` makes the
 * published numbers. Every size is a parameter: `deno task experiment --profile full --steps
 * 2000` adjusts it once the machine's speed is known.
 *
 * @module
 */

import { RunDefinitionSchema } from "../events/mod.ts";
import type { RunDefinition } from "../events/mod.ts";
import type { ScheduleKind } from "../schedule/mod.ts";

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
}

/** The profiles by name. */
export const PROFILES = {
  // A 22k-parameter GPT (1 layer, width 32) on 16 × 32-byte batches: ~15-30 ms a step here, so
  // 11 runs of 1,200 steps take 3-5 minutes on 2 cores. Window 20 gives 18 windows in the
  // search phase. It checks the loop, not the science: the model is far below the full one.
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
    warmupFraction: 0.02,
    center: 1e-2,
    workers: 2,
  },
  // The published numbers. GPT 3 layers × width 128 (4 heads): 636k parameters, byte-level, on
  // Moby Dick, 16 × 64-byte batches (1,024 tokens a step, 3M tokens a run, ~3 epochs of the
  // training split). 3,000 steps and AdaLRS's defaults (window 50, search phase [0.1, 0.4]) give
  // 18 windows of search. Budget: 7 sweep runs + 4 AdaLRS runs on 2 single-threaded workers are
  // 6 rounds of one run each; at ~0.3 s a step (measured, one BLAS thread per worker, both
  // workers busy) a run takes ~16 min and one schedule ~1.6 h, under the 2 h limit. On a slower
  // machine lower `--steps` (wall time is linear in it) before the model.
  full: {
    layers: 3,
    width: 128,
    heads: 4,
    steps: 3000,
    batchSize: 16,
    sequenceLength: 64,
    window: 50,
    evalEvery: 100,
    evalBatches: 8,
    warmupFraction: 0.02,
    center: 3e-3,
    workers: 2,
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
