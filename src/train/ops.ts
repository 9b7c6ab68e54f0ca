/**
 * The seam between the model and the backend's speed-ups: the handful of operations whose fast
 * form differs from the textbook one. The model (gpt.ts, layers.ts) and AdamW (adamw.ts) are
 * written once against {@linkcode Ops}; which implementation they get is decided once, when the
 * backend is initialised (backend.ts): the reference tfjs ops (reference_ops.ts, every backend)
 * or the fused, OpenBLAS-backed ones on wasm (blas/ops.ts). A new backend with kernels of its
 * own adds an `Ops`, not branches in the model.
 *
 * Every implementation computes the same math to float32 tolerance; tests/train/ops.test.ts
 * holds them to it, op by op, values and gradients.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs-core";

/** Layer norm's epsilon, added to the variance. */
export const LN_EPS = 1e-5;
/** `sqrt(2 / pi)`, of GELU's tanh approximation. */
export const GELU_K = Math.sqrt(2 / Math.PI);
/** The cubic coefficient of GELU's tanh approximation. */
export const GELU_A = 0.044715;

/** Batch, time and heads of one attention call. */
export interface AttentionShape {
  B: number;
  T: number;
  H: number;
}

/** Per-step constants of one AdamW update (see {@linkcode Ops.adamwStep}). */
export interface AdamWStepAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  /** `lr / (1 - beta1^t)`: the step size after first-moment bias correction. */
  stepSize: number;
  /** `sqrt(1 - beta2^t)`: the second-moment bias correction. */
  rootCorrection: number;
  /** Multiplies the weight before the step: `1 - lr * weightDecay`, or 1 for no decay. */
  decay: number;
}

/** The matmul shapes the backward passes need, beyond a plain `tf.matMul`. */
export interface MatMulOps {
  /** `a @ b^T`. a: `[M, K]`, b: `[N, K]` -> `[M, N]`. */
  matMulNT(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D;
  /** `a^T @ b`. a: `[K, M]`, b: `[K, N]` -> `[M, N]`. */
  matMulTN(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D;
  /** Column sums. x: `[N, C]` -> `[C]`. */
  sumRows(x: tf.Tensor): tf.Tensor1D;
}

/** The operations a backend may provide in a faster form. All are differentiable. */
export interface Ops extends MatMulOps {
  /** What this implementation is, for logs and test names (`reference`, `fused`). */
  readonly name: string;
  /**
   * Multi-head causal self-attention from the fused projection: per head
   * `softmax(q k^T / sqrt(D) + mask) v`, heads merged. qkv: `[B*T, 3C]` (columns
   * `[q | k | v]`, each `[head 0 | head 1 | ...]`) -> `[B*T, C]`, before the output projection.
   */
  attention(qkv: tf.Tensor, shape: AttentionShape): tf.Tensor2D;
  /** Layer norm over the last axis with gain and bias, eps {@linkcode LN_EPS}. `[N, C]` -> `[N, C]`. */
  layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D;
  /** GELU, tanh approximation: `0.5 x (1 + tanh(k (x + a x^3)))`. Any shape. */
  gelu(x: tf.Tensor): tf.Tensor2D;
  /** The sum of squares of every element of every tensor (the global gradient norm, squared). */
  sumOfSquares(tensors: tf.Tensor[]): tf.Scalar;
  /**
   * One AdamW update of one parameter: the gradient times `scale` (the clip factor; null for
   * none), both moments, bias correction, decoupled decay. Returns new `[p, m, v]` tensors for
   * the caller to `assign`: tfjs tensors are immutable, and snapshots share their buffers.
   */
  adamwStep(
    p: tf.Tensor,
    m: tf.Tensor,
    v: tf.Tensor,
    g: tf.Tensor,
    scale: tf.Tensor | null,
    attrs: AdamWStepAttrs,
  ): [tf.Tensor, tf.Tensor, tf.Tensor];
}
