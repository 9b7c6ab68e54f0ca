/**
 * The GPT's building blocks that carry a hand-written backward pass: linear, layer norm, GELU
 * and cross-entropy. Each is a `tf.customGrad`: the forward pass is the textbook formula, the
 * backward pass its closed-form derivative, which is several times fewer kernels than letting
 * tfjs differentiate op by op (and on wasm, kernel count is what costs).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { matMulNT, matMulTN, sumRows } from "./_matmul.ts";
import {
  fusedGelu,
  fusedGeluGrad,
  fusedLayerNorm,
  fusedLayerNormGrad,
  hasFusedGelu,
  hasFusedLayers,
} from "./blas/mod.ts";

const LN_EPS = 1e-5;
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_A = 0.044715;

type Saved = tf.GradSaveFunc;

const linearOp = tf.customGrad((x, w, b, save) => {
  (save as Saved)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b as tf.Tensor }),
    // y = x w + b:  dx = dy w^T,  dw = x^T dy,  db = column sums of dy
    gradFunc: (dy, [x, w]) => [matMulNT(dy, w), matMulTN(x, dy), sumRows(dy)],
  };
});

/**
 * Affine map `x @ w + b`. x: `[N, K]`, w: `[K, M]`, b: `[M]` -> `[N, M]`.
 *
 * @param x Inputs.
 * @param w Weights.
 * @param b Bias.
 * @returns The outputs.
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return linearOp(x, w, b) as tf.Tensor2D;
}

// One kernel each way where the wasm-heap kernels are installed (20 -> 2 kernels per norm).
const fusedLayerNormOp = tf.customGrad((x, g, b, save) => {
  const [y, xhat, rstd] = fusedLayerNorm(x as tf.Tensor, g as tf.Tensor, b as tf.Tensor, LN_EPS);
  (save as Saved)([xhat, rstd, g as tf.Tensor]);
  return { value: y, gradFunc: (dy, [xhat, rstd, g]) => fusedLayerNormGrad(dy, xhat, rstd, g) };
});

const layerNormOp = tf.customGrad((x, g, b, save) => {
  const mean = tf.mean(x as tf.Tensor, -1, true); // [N, 1]
  const centred = tf.sub(x as tf.Tensor, mean); // [N, C]
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centred), -1, true), LN_EPS)); // [N, 1]
  const xhat = tf.mul(centred, rstd); // [N, C]
  (save as Saved)([xhat, rstd, g as tf.Tensor]);
  return {
    value: tf.add(tf.mul(xhat, g as tf.Tensor), b as tf.Tensor),
    gradFunc: (dy, [xhat, rstd, g]) => {
      // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),  dxhat = dy * g
      const dxhat = tf.mul(dy, g);
      const meanD = tf.mean(dxhat, -1, true);
      const meanDX = tf.mean(tf.mul(dxhat, xhat), -1, true);
      const dx = tf.mul(tf.sub(tf.sub(dxhat, meanD), tf.mul(xhat, meanDX)), rstd);
      return [dx, sumRows(tf.mul(dy, xhat)), sumRows(dy)];
    },
  };
});

/**
 * Layer norm over the last axis, with gain and bias (eps 1e-5). x: `[N, C]` -> `[N, C]`.
 *
 * @param x Inputs.
 * @param gain `[C]`.
 * @param bias `[C]`.
 * @returns The normalised inputs.
 */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  const op = hasFusedLayers() ? fusedLayerNormOp : layerNormOp;
  return op(x, gain, bias) as tf.Tensor2D;
}

const geluOp = tf.customGrad((x, save) => {
  const X = x as tf.Tensor;
  if (hasFusedGelu()) {
    const [y, s] = fusedGelu(X, GELU_K, GELU_A);
    (save as Saved)([X, s]);
    return { value: y, gradFunc: (dy, [x, s]) => fusedGeluGrad(dy, x, s, GELU_K, GELU_A) };
  }
  // 0.5 (1 + tanh(u)) = sigmoid(2u): the same tanh approximation, and wasm's sigmoid is
  // vectorised where its tanh is not (6x faster).
  const twoU = tf.mul(X, tf.add(tf.mul(tf.square(X), 2 * GELU_K * GELU_A), 2 * GELU_K));
  const s = tf.sigmoid(twoU);
  (save as Saved)([X, s]);
  return {
    value: tf.mul(X, s),
    gradFunc: (dy, [x, s]) => {
      if (hasFusedLayers()) return fusedGeluGrad(dy, x, s, GELU_K, GELU_A); // one pass, not 9
      // d/dx [x s(2u)] = s + x s (1 - s) 2u',  2u' = 2k (1 + 3 a x^2)
      const dTwoU = tf.add(tf.mul(tf.square(x), 6 * GELU_K * GELU_A), 2 * GELU_K);
      const slope = tf.add(s, tf.mul(tf.mul(x, tf.mul(s, tf.sub(1, s))), dTwoU));
      return tf.mul(dy, slope);
    },
  };
});

/**
 * GELU, tanh approximation: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`.
 *
 * @param x Any shape.
 * @returns Same shape.
 */
export function gelu(x: tf.Tensor): tf.Tensor2D {
  return geluOp(x) as tf.Tensor2D;
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
