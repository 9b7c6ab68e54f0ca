/**
 * A synthetic trainer with a known best learning rate, for testing the controller end to end
 * in milliseconds.
 *
 * The model is a progress variable P that each step advances by `rate * shape(lr)`, where
 * `shape` peaks at 1 at `optimumLr`. The loss falls as a power of progress, as language-model
 * losses fall as a power of steps: `loss = floor + gap0 * (1 + P)^-1/2`. So at any state the
 * descent velocity is fastest at `optimumLr`, and after any number of steps at a fixed LR the loss
 * is lowest at `optimumLr`: the premise of AdaLRS holds, with the same optimum for both.
 *
 * `shape` in decades `x = log10(lr / optimumLr)`: above the optimum `1 - (x / width)^2`, which
 * turns negative (the loss rises) past `width` decades; below it `1 / (1 + (2x / width)^2)`, which
 * only slows (a small LR learns slowly, it does not unlearn). With the default width of 1.1
 * decades a 3x error costs 19-43% of the speed and a 10x error 77-83%, roughly what the cs336 LR
 * sweep shows at equal loss (see docs/controller.md). Noise is a pure function of (seed, step), so
 * a restored snapshot replays exactly.
 *
 * @module
 */

import { gaussian } from "../random/mod.ts";

/** Shape of the synthetic loss landscape; defaults in {@linkcode SYNTHETIC_DEFAULTS}. */
export interface SyntheticConfig {
  /** The learning rate at which the loss falls fastest. */
  optimumLr: number;
  /** Loss at step 0, and the floor it approaches. */
  initialLoss: number;
  floorLoss: number;
  /** Progress per step at the optimum (the loss gap halves after 3 / rate steps). */
  rate: number;
  /** Decades above the optimum at which descent stops; beyond, the loss rises. */
  width: number;
  /** Standard deviation of the per-step loss noise. */
  noise: number;
  seed: number;
}

/** Defaults for {@linkcode SyntheticConfig}. */
export const SYNTHETIC_DEFAULTS: SyntheticConfig = {
  optimumLr: 1e-3,
  initialLoss: 4,
  floorLoss: 1,
  // At the optimum the gap halves by step 300 and is a fifth of its start by step 2,400, so the
  // descent is still measurable when a 3,000-step run's search phase ends.
  rate: 0.01,
  width: 1.1,
  noise: 0.02,
  seed: 0,
};

/** The state of a synthetic trainer: the gap between the noiseless loss and its floor. */
export interface SyntheticState {
  gap: number;
}

/** The power of progress the loss gap falls with. */
const EXPONENT = 0.5;
/** Beyond this gap the model has diverged; the cap keeps the numbers finite. */
const MAX_GAP = 1e6;

/**
 * Progress per step at `lr`: `rate` at the optimum, less away from it, negative far above it.
 *
 * @param config the landscape
 * @param lr the effective learning rate of the step
 */
export function descentRate(config: SyntheticConfig, lr: number): number {
  if (!(lr > 0)) return 0;
  const x = Math.log10(lr / config.optimumLr) / config.width;
  const shape = x >= 0 ? 1 - x * x : 1 / (1 + 4 * x * x);
  return config.rate * shape;
}

/**
 * Advances the synthetic model by one step.
 *
 * @returns the next state and the loss observed at this step (noise included)
 */
export function syntheticStep(
  config: SyntheticConfig,
  state: SyntheticState,
  step: number,
  lr: number,
): { state: SyntheticState; loss: number } {
  const gap0 = config.initialLoss - config.floorLoss;
  // Progress is recovered from the gap, so the state stays one number that a checkpoint holds.
  const progress = (state.gap / gap0) ** (-1 / EXPONENT) - 1;
  const next = Math.max(progress + descentRate(config, lr), -1);
  const gap = Math.min(gap0 * (1 + next) ** -EXPONENT, MAX_GAP);
  const loss = config.floorLoss + gap + config.noise * gaussian(config.seed, step);
  return { state: { gap }, loss };
}

/** The state at step 0. */
export function syntheticStart(config: SyntheticConfig): SyntheticState {
  return { gap: config.initialLoss - config.floorLoss };
}
