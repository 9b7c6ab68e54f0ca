/**
 * Prototype for the lead: `src/train/adamw.ts`'s update with the fused kernels from
 * `src/train/blas/` (one kernel per parameter plus one for the clip norm, instead of ~15 ops per
 * parameter). Same state layout and math; falls back to nothing, so use only when
 * `hasFusedAdamW()` is true. Measured by `scripts/bench/proto_step.ts`.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { fusedAdamW, sumOfSquares } from "../../src/train/blas/mod.ts";
import type { AdamW } from "../../src/train/mod.ts";

/**
 * The body that would replace `update` in `createAdamW` when `hasFusedAdamW()`.
 *
 * @param adam The optimizer state (its `t` is incremented here).
 * @param params The parameters, keyed like `adam.m`.
 * @param grads Gradients keyed by parameter name.
 * @param lr This step's learning rate.
 */
export function fusedUpdate(
  adam: AdamW,
  params: Record<string, tf.Variable>,
  grads: Record<string, tf.Tensor>,
  lr: number,
): void {
  const { beta1, beta2, eps, weightDecay, gradClip } = adam.options;
  const names = Object.keys(params);
  adam.t += 1;
  const t = adam.t;
  tf.tidy(() => {
    const scale = gradClip > 0
      ? tf.minimum(
        1,
        tf.div(gradClip, tf.add(tf.sqrt(sumOfSquares(names.map((n) => grads[n]))), 1e-6)),
      )
      : tf.scalar(1);
    const stepSize = lr / (1 - beta1 ** t);
    const rootCorrection = Math.sqrt(1 - beta2 ** t);
    for (const n of names) {
      const p = params[n];
      const decay = weightDecay > 0 && p.rank === 2 ? 1 - lr * weightDecay : 1;
      const [p2, m2, v2] = fusedAdamW(p, adam.m[n], adam.v[n], grads[n], scale, {
        beta1,
        beta2,
        eps,
        stepSize,
        rootCorrection,
        decay,
      });
      p.assign(p2);
      adam.m[n].assign(m2);
      adam.v[n].assign(v2);
    }
  });
}
