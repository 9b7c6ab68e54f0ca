/**
 * The two trainer families of the reference study: the synthetic landscape with a known optimum,
 * and the dynamics of the real cs336 LR sweep.
 *
 * @module
 */

import { SCHEDULE_DEFAULTS, type ScheduleConfig } from "../../schedule/mod.ts";
import { gaussian } from "../../random/mod.ts";
import { SYNTHETIC_DEFAULTS, type SyntheticConfig } from "../../synthetic/mod.ts";
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
 * peak LR of the simulator itself, 1e-3 (on a grid of 10 LRs a decade; 3e-3 ends 0.022 higher,
 * as the real runs' final training losses are within 0.02; the real sweep's best final
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

/**
 * A landscape where the LR does not matter: the loss follows a fixed curve whatever the LR, so
 * every accepted or restored trial is a false one, and where m ends is pure drift.
 *
 * @param shape `power`: the loss slows as a power of steps, as real ones do; `linear`: a constant
 *   descent, where only the reference's selection bias remains
 * @param noise per-step noise
 */
export function nullBench(shape: "power" | "linear", noise = 0.02): SimBench {
  const curve = shape === "power"
    ? (t: number) => 1 + 3 / Math.sqrt(1 + 0.01 * t)
    : (t: number) => 4 - 3e-4 * t;
  return {
    name: `null, ${shape}`,
    optimumLr: 1e-3,
    setup: {
      schedule: { ...SCHEDULE_DEFAULTS, kind: "constant", warmupSteps: 0 },
      totalSteps: 3000,
    },
    trainer: (seed) => ({
      start: () => ({ t: 0 }),
      step: (state: { t: number }, step: number) => ({
        state: { t: state.t + 1 },
        loss: curve(state.t + 1) + noise * gaussian(seed, step),
      }),
      evalLoss: (state: { t: number }) => curve(state.t),
    }),
  };
}

/**
 * The project's first synthetic landscape, kept as a third check: the gap to the floor shrinks
 * by a fixed fraction per step (`rate * (1 - x²)`, x in units of 1.5 decades from the optimum),
 * so descent slows exponentially fast, far faster than a language model's.
 *
 * @param totalSteps run length
 * @param noise per-step noise
 */
export function exponentialBench(totalSteps = 3000, noise = 0.02): SimBench {
  const optimumLr = 1e-3;
  const rate = (lr: number) => {
    const x = Math.log10(lr / optimumLr) / 1.5;
    return 0.004 * (1 - x * x);
  };
  return {
    name: "exponential",
    optimumLr,
    setup: { schedule: { ...SCHEDULE_DEFAULTS, kind: "constant", warmupSteps: 0 }, totalSteps },
    trainer: (seed) => ({
      start: () => ({ gap: 3 }),
      step: (state: { gap: number }, step: number, lr: number) => {
        const gap = Math.min(state.gap * (1 - rate(lr)), 1e6);
        return { state: { gap }, loss: 1 + gap + noise * gaussian(seed, step) };
      },
      evalLoss: (state: { gap: number }) => 1 + state.gap,
    }),
  };
}
