/**
 * AdamW (Loshchilov & Hutter) with decoupled weight decay, bias correction and global-norm
 * gradient clipping. The learning rate arrives with every step: the AdaLRS controller owns it.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { Params } from "./gpt.ts";
import type { Ops } from "./ops.ts";

/** AdamW hyperparameters (all but the learning rate, which is per step). */
export interface AdamWOptions {
  /** Decay of the first-moment average. @default 0.9 */
  beta1?: number;
  /** Decay of the second-moment average. @default 0.95 */
  beta2?: number;
  /** Added to the root of the second moment, against division by zero. @default 1e-8 */
  eps?: number;
  /** Decoupled decay, applied to 2-D weights (matrices and embeddings) only. @default 0.1 */
  weightDecay?: number;
  /** Clip the global gradient norm to this value; 0 turns clipping off. @default 1.0 */
  gradClip?: number;
}

/**
 * Fills defaults and checks AdamW options.
 *
 * @param options The user's options.
 * @returns Every option set.
 */
export function resolveAdamW(options: AdamWOptions = {}): Required<AdamWOptions> {
  const { beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weightDecay = 0.1, gradClip = 1.0 } = options;
  for (const [name, value] of [["beta1", beta1], ["beta2", beta2]] as const) {
    if (!(value >= 0 && value < 1)) throw new RangeError(`${name} must be in [0, 1), got ${value}`);
  }
  const nonNegative = [["eps", eps], ["weightDecay", weightDecay], ["gradClip", gradClip]] as const;
  for (const [name, value] of nonNegative) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
    }
  }
  return { beta1, beta2, eps, weightDecay, gradClip };
}

/** AdamW's state: the step count and one pair of moment estimates per parameter. */
export interface AdamW {
  /** The resolved hyperparameters. */
  readonly options: Required<AdamWOptions>;
  /** Updates applied so far (bias correction uses it). */
  t: number;
  /** First moments, same names and shapes as the parameters. */
  readonly m: Params;
  /** Second moments, same names and shapes as the parameters. */
  readonly v: Params;
  /**
   * Applies one update in place. Non-finite gradients are not an error: they propagate into
   * the weights, and the caller (AdaLRS) decides whether to restore a snapshot.
   *
   * @param grads Gradients keyed by parameter name.
   * @param lr This step's learning rate.
   */
  update(grads: Record<string, tf.Tensor>, lr: number): void;
  /** Frees the moment tensors. */
  dispose(): void;
}

/** `min(1, clip / (norm + 1e-6))`: the factor that brings the global gradient norm to `clip`. */
function clipScale(norm: tf.Tensor, clip: number): tf.Tensor {
  return tf.minimum(1, tf.div(clip, tf.add(norm, 1e-6)));
}

/**
 * Creates zero-initialised AdamW state for the given parameters.
 *
 * @param ops The backend's ops: the global norm and the per-parameter step run on them.
 * @param params The parameters it will update.
 * @param options Hyperparameters.
 * @returns The optimizer.
 */
export function createAdamW(ops: Ops, params: Params, options: AdamWOptions = {}): AdamW {
  const opts = resolveAdamW(options);
  const { beta1, beta2, eps, weightDecay, gradClip } = opts;
  const names = Object.keys(params);
  const zerosLike = () =>
    Object.fromEntries(names.map((n) => [n, tf.variable(tf.zerosLike(params[n]), false)]));
  const m: Params = tf.tidy(zerosLike);
  const v: Params = tf.tidy(zerosLike);
  const adam: AdamW = {
    options: opts,
    t: 0,
    m,
    v,
    update(grads, lr) {
      if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`lr must be finite >= 0, got ${lr}`);
      adam.t += 1;
      const t = adam.t;
      const stepSize = lr / (1 - beta1 ** t); // first-moment bias correction
      const rootCorrection = Math.sqrt(1 - beta2 ** t); // second-moment bias correction
      const decayOf = (p: tf.Variable) =>
        weightDecay > 0 && p.rank === 2 ? 1 - lr * weightDecay : 1;
      tf.tidy(() => {
        // Global norm over all gradients; scale = min(1, clip / norm), kept on the device.
        const scale = gradClip > 0
          ? clipScale(tf.sqrt(ops.sumOfSquares(names.map((n) => grads[n]))), gradClip)
          : null;
        for (const n of names) {
          const attrs = { beta1, beta2, eps, stepSize, rootCorrection, decay: decayOf(params[n]) };
          const [p2, m2, v2] = ops.adamwStep(params[n], m[n], v[n], grads[n], scale, attrs);
          params[n].assign(p2);
          m[n].assign(m2);
          v[n].assign(v2);
        }
      });
    },
    dispose() {
      for (const n of names) {
        m[n].dispose();
        v[n].dispose();
      }
    },
  };
  return adam;
}
