/**
 * The reference {@linkcode Ops}: the textbook formulas in plain tfjs ops, which every backend
 * runs. Layer norm and GELU carry a closed-form backward pass (`tf.customGrad`), several times
 * fewer kernels than letting tfjs differentiate op by op; on wasm, kernel count is what costs.
 *
 * The matmul family is the reference form of _matmul.ts, on the fast path of the reference wasm
 * kernels.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { causalMaskData } from "./_mask.ts";
import { referenceMatMuls } from "./_matmul.ts";
import { type AttentionShape, GELU_A, GELU_K, LN_EPS, type Ops } from "./ops.ts";

type Saved = tf.GradSaveFunc;

const { sumRows } = referenceMatMuls;

function attention(qkv: tf.Tensor, { B, T, H }: AttentionShape): tf.Tensor2D {
  const C = qkv.shape[1]! / 3;
  const D = C / H;
  // Columns are [q | k | v], each [head 0 | head 1 | ...]. Split, then bring heads before time:
  // [B*T, C] -> [B, T, H, D] -> [B, H, T, D] -> [B*H, T, D]. (A single 5-D transpose is 20x
  // slower on wasm than these 4-D ones.)
  const [q, k, v] = tf.split(qkv, 3, 1).map((t) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D])
  );
  const scaledQ = tf.mul(q, 1 / Math.sqrt(D)); // scaling q is cheaper than scaling T x T scores
  const mask = tf.tensor2d(causalMaskData(T), [T, T]);
  const scores = tf.add(tf.matMul(scaledQ, k, false, true), mask); // [B*H, T, T]
  const weights = tf.softmax(scores); // [B*H, T, T], rows sum to 1 over the past
  const y = tf.matMul(weights, v); // [B*H, T, D]
  return tf.reshape(tf.transpose(tf.reshape(y, [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]);
}

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
 * GELU's gate `sigmoid(2u)`, `2u = 2k (x + a x^3)`: `0.5 (1 + tanh(u))` is `sigmoid(2u)`, and
 * wasm's sigmoid is vectorised where its tanh is not (6x faster). The GELU is `x * gate`.
 *
 * @param x Any shape.
 * @returns The gate, the shape of x.
 */
export function geluGate(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), 2 * GELU_K * GELU_A), 2 * GELU_K)));
}

const geluOp = tf.customGrad((x, save) => {
  const s = geluGate(x as tf.Tensor);
  (save as Saved)([x as tf.Tensor, s]);
  return {
    value: tf.mul(x as tf.Tensor, s),
    gradFunc: (dy, [x, s]) => {
      // d/dx [x s(2u)] = s + x s (1 - s) 2u',  2u' = 2k (1 + 3 a x^2)
      const dTwoU = tf.add(tf.mul(tf.square(x), 6 * GELU_K * GELU_A), 2 * GELU_K);
      const slope = tf.add(s, tf.mul(tf.mul(x, tf.mul(s, tf.sub(1, s))), dTwoU));
      return tf.mul(dy, slope);
    },
  };
});

/** The reference ops: plain tfjs, on any backend. */
export const referenceOps: Ops = {
  name: "reference",
  ...referenceMatMuls,
  attention,
  layerNorm: (x, gain, bias) => layerNormOp(x, gain, bias) as tf.Tensor2D,
  gelu: (x) => geluOp(x) as tf.Tensor2D,
  sumOfSquares: (tensors) => tf.addN(tensors.map((t) => tf.sum(tf.square(t)))) as tf.Scalar,
  adamwStep(p, m, v, grad, scale, { beta1, beta2, eps, stepSize, rootCorrection, decay }) {
    const g = scale === null ? grad : tf.mul(grad, scale);
    const mNew = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const vNew = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    const denom = tf.add(tf.div(tf.sqrt(vNew), rootCorrection), eps);
    // Decoupled decay shrinks the weight itself, outside the adaptive step.
    const decayed = decay !== 1 ? tf.mul(p, decay) : p;
    return [tf.sub(decayed, tf.mul(tf.div(mNew, denom), stepSize)), mNew, vNew];
  },
};
