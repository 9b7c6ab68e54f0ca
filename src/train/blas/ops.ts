/**
 * The fused {@linkcode Ops}: what the model runs on wasm once `accelerateWasm` has installed the
 * OpenBLAS and wasm-heap kernels. Attention, layer norm, GELU and AdamW become one kernel each
 * way instead of chains of small tfjs ops, and the matmul family passes `transposeA/B` straight
 * to sgemm, which reads either layout at the same speed (and sums over the leading axis as one
 * sgemv), so the explicit transposes of the reference ops are skipped.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { blasMatMuls } from "../_matmul.ts";
import { GELU_A, GELU_K, LN_EPS, type Ops } from "../ops.ts";
import { geluGate } from "../reference_ops.ts";
import { causalAttention } from "./attention.ts";
import { fusedAdamW, sumOfSquares } from "./fused_adamw.ts";
import { fusedGelu, fusedGeluGrad, fusedLayerNorm, fusedLayerNormGrad } from "./fused_layers.ts";

type Saved = tf.GradSaveFunc;

const layerNormOp = tf.customGrad((x, g, b, save) => {
  const [y, xhat, rstd] = fusedLayerNorm(x as tf.Tensor, g as tf.Tensor, b as tf.Tensor, LN_EPS);
  (save as Saved)([xhat, rstd, g as tf.Tensor]);
  return { value: y, gradFunc: (dy, [xhat, rstd, g]) => fusedLayerNormGrad(dy, xhat, rstd, g) };
});

const geluGrad = (dy: tf.Tensor, [x, s]: tf.Tensor[]) => fusedGeluGrad(dy, x, s, GELU_K, GELU_A);

/** GELU forward in one SIMD kernel, backward in one kernel. */
const simdGeluOp = tf.customGrad((x, save) => {
  const [y, s] = fusedGelu(x as tf.Tensor, GELU_K, GELU_A);
  (save as Saved)([x as tf.Tensor, s]);
  return { value: y, gradFunc: geluGrad };
});

/**
 * Without SIMD the forward pass stays on tfjs, whose sigmoid is vectorised (a scalar `Math.exp`
 * loop is several times slower); the backward pass is still one kernel instead of nine.
 */
const scalarGeluOp = tf.customGrad((x, save) => {
  const s = geluGate(x as tf.Tensor);
  (save as Saved)([x as tf.Tensor, s]);
  return { value: tf.mul(x as tf.Tensor, s), gradFunc: geluGrad };
});

/**
 * The fused ops, for a wasm backend on which `accelerateWasm` succeeded.
 *
 * @param options `simd`: whether the WebAssembly SIMD loops were installed (the status's
 *   `simd`), which adds the one-kernel GELU forward.
 * @returns The ops; their kernels exist only on wasm, and only while installed.
 * @example
 * ```ts ignore
 * const status = await accelerateWasm();
 * const ops = status.enabled ? fusedOps({ simd: status.simd === true }) : referenceOps;
 * ```
 */
export function fusedOps(options: { simd: boolean }): Ops {
  const geluOp = options.simd ? simdGeluOp : scalarGeluOp;
  return {
    name: options.simd ? "fused (SIMD)" : "fused",
    ...blasMatMuls,
    attention: causalAttention,
    layerNorm: (x, gain, bias) => layerNormOp(x, gain, bias) as tf.Tensor2D,
    gelu: (x) => geluOp(x) as tf.Tensor2D,
    sumOfSquares,
    adamwStep: (p, m, v, g, scale, attrs) => fusedAdamW(p, m, v, g, scale ?? tf.scalar(1), attrs),
  };
}
