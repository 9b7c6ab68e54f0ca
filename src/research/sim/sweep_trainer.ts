/**
 * A simulated trainer that replays the dynamics of a real LR sweep (see `sweep_model.ts`): the
 * state is the noiseless loss; each step it moves at the sweep's speed for that loss and peak LR,
 * bounded by the floor of the scheduled LR, and the observed loss adds the sweep's own noise.
 *
 * @module
 */

import { gaussian } from "../../random/mod.ts";
import type { SimTrainer } from "./run.ts";
import { sweepFloor, type SweepModel, sweepSpeed } from "./sweep_model.ts";

/** The state of a sweep-driven trainer: its noiseless loss. */
export interface SweepState {
  loss: number;
}

/**
 * A trainer for {@linkcode simulateRun} driven by a sweep model. Valid for runs on the sweep's own
 * schedule (cs336: 250 warmup steps, cosine to 0 at step 5,000), since speeds are read at equal
 * loss along runs on that schedule.
 *
 * @param model the sweep model
 * @param seed selects the noise; the noise of a step depends only on (seed, step)
 * @param noise the per-step noise's standard deviation (default: the sweep's own)
 */
export function sweepTrainer(
  model: SweepModel,
  seed: number,
  noise: number = model.noise,
): SimTrainer<SweepState> {
  return {
    start: () => ({ loss: model.initialLoss }),
    step(state, step, lr, peakLr) {
      const floor = sweepFloor(model, lr);
      const next = state.loss <= floor
        ? state.loss + model.relax * (floor - state.loss)
        : Math.max(state.loss - sweepSpeed(model, state.loss, peakLr), floor);
      return { state: { loss: next }, loss: next + noise * gaussian(seed, step) };
    },
    evalLoss: (state) => state.loss,
  };
}
