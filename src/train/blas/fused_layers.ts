/**
 * Layer norm (forward and backward) and the GELU backward as single wasm-heap kernels.
 *
 * On tfjs wasm, the textbook layer norm is ~8 kernels forward and ~12 backward, each allocating
 * an output and making a pass over memory; the GELU backward is 9. Here each is one JavaScript
 * loop over the heap: slower per pass than XNNPACK's SIMD kernels, but so many fewer passes that
 * it wins (layer norm [1024, 256] forward + backward: 1.2 vs 1.7 ms). The GELU forward stays on
 * tfjs: it needs a sigmoid, which is SIMD there and several times slower with `Math.exp`.
 *
 * The math is `src/train/layers.ts`'s; row statistics are accumulated in float64.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, isWasmBackend, type WasmBackendLike } from "./wasm_backend.ts";

const LAYER_NORM = "AdalrsLayerNorm";
const LAYER_NORM_GRAD = "AdalrsLayerNormGrad";
const GELU_GRAD = "AdalrsGeluGrad";

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Float32 views of tensors on the heap, read after every `makeOutput` (which may grow it). */
function views(backend: WasmBackendLike, tensors: tf.TensorInfo[]): Float32Array[] {
  const heap = backend.wasm.HEAPU8.buffer;
  return tensors.map((t) =>
    new Float32Array(heap, heapOffset(backend, t), tf.util.sizeFromShape(t.shape))
  );
}

function wasmOf(args: KernelArgs, name: string): WasmBackendLike {
  if (!isWasmBackend(args.backend)) throw new Error(`${name} runs on the wasm backend only`);
  return args.backend;
}

/** x `[N, C]`, g `[C]`, b `[C]` -> y `[N, C]`, xhat `[N, C]`, rstd `[N]`. */
function layerNormKernel(args: KernelArgs): tf.TensorInfo[] {
  const { x, g, b } = args.inputs as Record<string, tf.TensorInfo>;
  const { eps } = args.attrs as unknown as { eps: number };
  const backend = wasmOf(args, LAYER_NORM);
  const C = x.shape[x.shape.length - 1], N = tf.util.sizeFromShape(x.shape) / C;
  const outs = [x.shape, x.shape, [N]].map((s) => backend.makeOutput(s, "float32"));
  const [X, G, B, Y, XH, R] = views(backend, [x, g, b, ...outs]);
  layerNormRows(X, G, B, Y, XH, R, C, eps);
  return outs;
}

// The loops live in plain functions of typed arrays: V8 optimises those far better than the
// same loops inline in the kernel (measured 2x).
function layerNormRows(
  X: Float32Array,
  G: Float32Array,
  B: Float32Array,
  Y: Float32Array,
  XH: Float32Array,
  R: Float32Array,
  C: number,
  eps: number,
): void {
  for (let r = 0; r < R.length; r++) {
    const start = r * C, end = start + C;
    // One pass for both moments, in float64 and shifted by the row's first value so that a
    // large mean does not cancel the variance away.
    const shift = X[start];
    let sum = 0, sq = 0;
    for (let i = start; i < end; i++) {
      const v = X[i] - shift;
      sum += v;
      sq += v * v;
    }
    const meanShifted = sum / C, mean = meanShifted + shift;
    const rstd = 1 / Math.sqrt(Math.max(sq / C - meanShifted * meanShifted, 0) + eps);
    R[r] = rstd;
    for (let i = start, c = 0; i < end; i++, c++) {
      const xh = (X[i] - mean) * rstd;
      XH[i] = xh;
      Y[i] = xh * G[c] + B[c];
    }
  }
}

/** dy, xhat `[N, C]`, rstd `[N]`, g `[C]` -> dx `[N, C]`, dg `[C]`, db `[C]`. */
function layerNormGradKernel(args: KernelArgs): tf.TensorInfo[] {
  const { dy, xhat, rstd, g } = args.inputs as Record<string, tf.TensorInfo>;
  const backend = wasmOf(args, LAYER_NORM_GRAD);
  const C = g.shape[0];
  const outs = [dy.shape, [C], [C]].map((s) => backend.makeOutput(s, "float32"));
  const [DY, XH, R, G, DX, DG, DB] = views(backend, [dy, xhat, rstd, g, ...outs]);
  const dg = new Float64Array(C), db = new Float64Array(C);
  layerNormGradRows(DY, XH, R, G, DX, dg, db);
  DG.set(dg);
  DB.set(db);
  return outs;
}

function layerNormGradRows(
  DY: Float32Array,
  XH: Float32Array,
  R: Float32Array,
  G: Float32Array,
  DX: Float32Array,
  dg: Float64Array,
  db: Float64Array,
): void {
  const C = G.length;
  for (let r = 0; r < R.length; r++) {
    const start = r * C, end = start + C;
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)),  dxhat = dy * g
    let sumD = 0, sumDX = 0;
    for (let i = start, c = 0; i < end; i++, c++) {
      const d = DY[i], xh = XH[i], dxh = d * G[c];
      sumD += dxh;
      sumDX += dxh * xh;
      dg[c] += d * xh;
      db[c] += d;
    }
    const meanD = sumD / C, meanDX = sumDX / C, rs = R[r];
    for (let i = start, c = 0; i < end; i++, c++) {
      DX[i] = (DY[i] * G[c] - meanD - XH[i] * meanDX) * rs;
    }
  }
}

/** dy, x, s = sigmoid(2u) (all the same shape) -> dx; constants arrive as attributes. */
function geluGradKernel(args: KernelArgs): tf.TensorInfo {
  const { dy, x, s } = args.inputs as Record<string, tf.TensorInfo>;
  const { k, a } = args.attrs as unknown as { k: number; a: number };
  const backend = wasmOf(args, GELU_GRAD);
  const out = backend.makeOutput(x.shape, "float32");
  const [DY, X, S, DX] = views(backend, [dy, x, s, out]);
  geluGradLoop(DY, X, S, DX, 6 * k * a, 2 * k);
  return out;
}

function geluGradLoop(
  DY: Float32Array,
  X: Float32Array,
  S: Float32Array,
  DX: Float32Array,
  c3: number,
  c1: number,
): void {
  // Results go to a small scratch block first and are copied out per block. Written straight
  // to DX, the stores and the loads of DY and S can sit a multiple of 4 KiB apart on the heap
  // (tfjs places large buffers at similar page offsets), which stalls every load behind a store
  // ("4K aliasing"): after ~125 training steps of the medium GPT the kernel went 1.2 -> 4.7 ms.
  const block = new Float32Array(BLOCK);
  for (let start = 0; start < DX.length; start += BLOCK) {
    const n = Math.min(BLOCK, DX.length - start);
    for (let j = 0; j < n; j++) {
      // d/dx [x s(2u)] = s + x s (1 - s) 2u',  2u' = 2k (1 + 3 a x^2) = c3 x^2 + c1
      const i = start + j, xi = X[i], si = S[i];
      block[j] = DY[i] * (si + xi * si * (1 - si) * (xi * xi * c3 + c1));
    }
    DX.set(n === BLOCK ? block : block.subarray(0, n), start);
  }
}

const BLOCK = 1024;

const KERNELS: [string, tf.KernelFunc][] = [
  [LAYER_NORM, layerNormKernel as tf.KernelFunc],
  [LAYER_NORM_GRAD, layerNormGradKernel as tf.KernelFunc],
  [GELU_GRAD, geluGradKernel as tf.KernelFunc],
];

/**
 * Registers the fused layer kernels on the wasm backend (done by `accelerateWasm`).
 *
 * @returns A function that unregisters them.
 */
export function installFusedLayers(): () => void {
  for (const [kernelName, kernelFunc] of KERNELS) {
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
  }
  return () => KERNELS.forEach(([name]) => tf.unregisterKernel(name, "wasm"));
}

/**
 * Whether {@linkcode fusedLayerNorm}, {@linkcode fusedLayerNormGrad} and
 * {@linkcode fusedGeluGrad} can run on the active backend.
 *
 * @returns True on wasm once `accelerateWasm` has installed them.
 */
export function hasFusedLayers(): boolean {
  const backend = tf.getBackend();
  return KERNELS.every(([name]) => tf.getKernel(name, backend) !== undefined);
}

/**
 * Layer norm over the last axis in one kernel.
 *
 * @param x `[N, C]`.
 * @param g Gain `[C]`.
 * @param b Bias `[C]`.
 * @param eps Added to the variance.
 * @returns `[y, xhat, rstd]`: the output and what the backward pass needs (`rstd` is `[N]`).
 * @example
 * ```ts ignore
 * const [y, xhat, rstd] = fusedLayerNorm(x, g, b, 1e-5);
 * ```
 */
export function fusedLayerNorm(
  x: tf.Tensor,
  g: tf.Tensor,
  b: tf.Tensor,
  eps: number,
): [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D] {
  const inputs = { x, g, b } as unknown as tf.NamedTensorMap;
  return tf.engine().runKernel(LAYER_NORM, inputs, { eps }) as [
    tf.Tensor2D,
    tf.Tensor2D,
    tf.Tensor1D,
  ];
}

/**
 * The layer norm backward pass in one kernel.
 *
 * @param dy Upstream gradient `[N, C]`.
 * @param xhat Normalised inputs `[N, C]` from {@linkcode fusedLayerNorm}.
 * @param rstd Reciprocal standard deviations `[N]` from {@linkcode fusedLayerNorm}.
 * @param g Gain `[C]`.
 * @returns `[dx, dg, db]`.
 */
export function fusedLayerNormGrad(
  dy: tf.Tensor,
  xhat: tf.Tensor,
  rstd: tf.Tensor,
  g: tf.Tensor,
): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  const inputs = { dy, xhat, rstd, g } as unknown as tf.NamedTensorMap;
  const outs = tf.engine().runKernel(LAYER_NORM_GRAD, inputs);
  return outs as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
}

/**
 * The backward pass of `x * sigmoid(2u)`, `2u = 2k (x + a x^3)`, in one kernel.
 *
 * @param dy Upstream gradient.
 * @param x The GELU's input.
 * @param s `sigmoid(2u)` saved by the forward pass.
 * @param k `sqrt(2 / pi)`.
 * @param a `0.044715`.
 * @returns dx, the shape of x.
 */
export function fusedGeluGrad(
  dy: tf.Tensor,
  x: tf.Tensor,
  s: tf.Tensor,
  k: number,
  a: number,
): tf.Tensor {
  const inputs = { dy, x, s } as unknown as tf.NamedTensorMap;
  return tf.engine().runKernel(GELU_GRAD, inputs, { k, a }) as tf.Tensor;
}
