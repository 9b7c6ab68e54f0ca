/**
 * The GPT's building blocks that are the same on every backend: linear, one-hot and
 * cross-entropy, each with a hand-written backward pass (`tf.customGrad`): the forward pass is
 * the textbook formula, the backward pass its closed-form derivative, which is several times
 * fewer kernels than letting tfjs differentiate op by op. Those that a backend may speed up
 * (layer norm, GELU, attention, the matmul family) are its `Ops` (ops.ts).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { MatMulOps } from "./ops.ts";

type Saved = tf.GradSaveFunc;

/**
 * Affine map `x @ w + b`. x: `[N, K]`, w: `[K, M]`, b: `[M]` -> `[N, M]`.
 *
 * @param ops The matmul family its backward pass uses.
 * @param x Inputs.
 * @param w Weights.
 * @param b Bias.
 * @returns The outputs.
 */
export function linear(ops: MatMulOps, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const op = tf.customGrad((x, w, b, save) => {
    (save as Saved)([x as tf.Tensor, w as tf.Tensor]);
    return {
      value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b as tf.Tensor }),
      // y = x w + b:  dx = dy w^T,  dw = x^T dy,  db = column sums of dy
      gradFunc: (dy, [x, w]) => [ops.matMulNT(dy, w), ops.matMulTN(x, dy), ops.sumRows(dy)],
    };
  });
  return op(x, w, b) as tf.Tensor2D;
}

/**
 * One-hot rows as float32. ids: `[N]` int32 -> `[N, V]`.
 *
 * @param ids Token ids.
 * @param depth V.
 * @returns 1 at each id, 0 elsewhere.
 */
export function oneHotFloat(ids: tf.Tensor, depth: number): tf.Tensor2D {
  // Cast rather than oneHot(..., "float32"): the wasm OneHot kernel ignores the dtype and writes
  // int32 bit patterns into a float32 tensor.
  return tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D;
}

/**
 * Mean cross-entropy of logits against target ids, in nats:
 * `mean_i (logsumexp(z_i) - z_i[target_i])`, with gradient `(softmax(z) - onehot) / N`.
 *
 * @param logits `[N, V]`.
 * @param targets `[N]` int32 ids.
 * @returns The mean loss, a scalar.
 */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  const [N, V] = logits.shape;
  const op = tf.customGrad((z, save) => {
    const Z = z as tf.Tensor;
    const onehot = oneHotFloat(targets, V); // [N, V]
    const lse = tf.logSumExp(Z, -1, true); // [N, 1]
    const probs = tf.exp(tf.sub(Z, lse)); // [N, V]
    // Saved, not closed over: the forward pass runs in its own tidy that frees the rest.
    (save as Saved)([probs, onehot]);
    return {
      value: tf.div(tf.sub(tf.sum(lse), tf.sum(tf.mul(onehot, Z))), N) as tf.Scalar,
      gradFunc: (dy, [probs, onehot]) => tf.mul(tf.sub(probs, onehot), tf.div(dy, N)),
    };
  });
  return op(logits) as tf.Scalar;
}
