/**
 * The two trainer families of the reference study: the synthetic landscape with a known optimum,
 * and the dynamics of the real cs336 LR sweep.
 *
 * @module
 */

import { SCHEDULE_DEFAULTS, type ScheduleConfig } from "../schedule/mod.ts";
import { SYNTHETIC_DEFAULTS, type SyntheticConfig } from "../train/synthetic.ts";
import type { SimBench } from "./study.ts";
import type { SweepModel } from "./sweep_model.ts";
import { sweepTrainer } from "./sweep_trainer.ts";
import { syntheticTrainer } from "./synthetic_run.ts";

/**
 * The synthetic landscape.
 *
 * @param totalSteps run length
 * @param schedule base schedule (default: constant, so the peak is the LR of every step)
 * @param landscape overrides of {@linkcode SYNTHETIC_DEFAULTS}
 */
export function syntheticBench(
  totalSteps: number,
  schedule: ScheduleConfig = { ...SCHEDULE_DEFAULTS, kind: "constant", warmupSteps: 0 },
  landscape: Partial<SyntheticConfig> = {},
): SimBench {
  const config = { ...SYNTHETIC_DEFAULTS, ...landscape };
  return {
    name: "synthetic",
    optimumLr: config.optimumLr,
    setup: { schedule, totalSteps },
    trainer: (seed) => syntheticTrainer({ ...config, seed }),
  };
}

/** The cs336 sweep's schedule: 250 warmup steps, then cosine to 0 at step 5,000. */
export const CS336_SCHEDULE: ScheduleConfig = {
  kind: "cosine",
  warmupSteps: 250,
  minRatio: 0,
  decayFraction: 0,
};

/**
 * The sweep-driven trainer on the sweep's own schedule and length. Its optimum is the best fixed
 * peak LR of the simulator itself, 1e-3 (on a grid of 10 LRs a decade; 1e-3 to 3e-3 end within
 * 0.01 of each other, as the real runs' final training losses do; the real sweep's best final
 * validation loss is at 3e-3).
 *
 * @param model the sweep model
 * @param noise per-step noise (default: the sweep's own)
 */
export function sweepBench(model: SweepModel, noise: number = model.noise): SimBench {
  return {
    name: "cs336 sweep",
    optimumLr: 1e-3,
    setup: { schedule: CS336_SCHEDULE, totalSteps: 5000 },
    trainer: (seed) => sweepTrainer(model, seed, noise),
  };
}
