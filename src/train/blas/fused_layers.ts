/**
 * Layer norm (forward and backward) and GELU (forward and backward) as single wasm-heap kernels.
 *
 * On tfjs wasm, the textbook layer norm is ~8 kernels forward and ~12 backward, each allocating
 * an output and making a pass over memory; the GELU is 5 forward and 9 backward. Here each is one
 * loop over the heap: a JavaScript loop (slower per pass than XNNPACK's SIMD kernels, but so many
 * fewer passes that it wins: layer norm [1024, 256] forward + backward, 1.2 vs 1.7 ms), or, for
 * with WebAssembly SIMD, a loop of simd.ts four lanes at a time (GELU forward 0.7 vs 1.1 ms on
 * [1024, 512], backward 0.1 vs 0.6 ms). The GELU forward needs `exp`: without SIMD it stays on tfjs, whose sigmoid is
 * vectorised, since a `Math.exp` loop is several times slower.
 *
 * The math is `src/train/reference_ops.ts`'s; `fusedOps` (ops.ts) wraps these kernels with their
 * gradients. Row statistics are accumulated in float64 by the scalar loops and in float32 (four
 * partial sums, shifted by the row's first value) by the SIMD ones.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { SimdKernels } from "./simd.ts";
import { heapOffset, isWasmBackend, type WasmBackendLike } from "./wasm_backend.ts";

const LAYER_NORM = "AdalrsLayerNorm";
const LAYER_NORM_GRAD = "AdalrsLayerNormGrad";
const GELU_GRAD = "AdalrsGeluGrad";
const GELU = "AdalrsGelu";

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
function layerNormKernel(simd: SimdKernels | null, args: KernelArgs): tf.TensorInfo[] {
  const { x, g, b } = args.inputs as Record<string, tf.TensorInfo>;
  const { eps } = args.attrs as unknown as { eps: number };
  const backend = wasmOf(args, LAYER_NORM);
  const C = x.shape[x.shape.length - 1], N = tf.util.sizeFromShape(x.shape) / C;
  const outs = [x.shape, x.shape, [N]].map((s) => backend.makeOutput(s, "float32"));
  if (simd !== null && C % 4 === 0) {
    const [ox, og, ob, oy, oxh, or] = [x, g, b, ...outs].map((t) => heapOffset(backend, t));
    simd.layerNorm(ox, og, ob, oy, oxh, or, N, C, eps);
    return outs;
  }
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
function layerNormGradKernel(simd: SimdKernels | null, args: KernelArgs): tf.TensorInfo[] {
  const { dy, xhat, rstd, g } = args.inputs as Record<string, tf.TensorInfo>;
  const backend = wasmOf(args, LAYER_NORM_GRAD);
  const C = g.shape[0];
  const outs = [dy.shape, [C], [C]].map((s) => backend.makeOutput(s, "float32"));
  const [DY, XH, R, G, DX, DG, DB] = views(backend, [dy, xhat, rstd, g, ...outs]);
  if (simd !== null && C % 4 === 0) {
    DG.fill(0);
    DB.fill(0);
    const offsets = [dy, xhat, rstd, g, ...outs].map((t) => heapOffset(backend, t));
    const [ody, oxh, or, og, odx, odg, odb] = offsets;
    simd.layerNormGrad(ody, oxh, or, og, odx, odg, odb, R.length, C);
    return outs;
  }
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
function geluGradKernel(simd: SimdKernels | null, args: KernelArgs): tf.TensorInfo {
  const { dy, x, s } = args.inputs as Record<string, tf.TensorInfo>;
  const { k, a } = args.attrs as unknown as { k: number; a: number };
  const backend = wasmOf(args, GELU_GRAD);
  const out = backend.makeOutput(x.shape, "float32");
  const [DY, X, S, DX] = views(backend, [dy, x, s, out]);
  let done = 0;
  if (simd !== null) {
    const [ody, ox, os, odx] = [dy, x, s, out].map((t) => heapOffset(backend, t));
    simd.geluGrad(ody, ox, os, odx, DX.length, 6 * k * a, 2 * k);
    done = DX.length - (DX.length % 4);
  }
  geluGradLoop(DY, X, S, DX, 6 * k * a, 2 * k, done); // all of it, or the SIMD loop's tail
  return out;
}

/** x -> [y, s]: `s = sigmoid(2u)`, `2u = 2k (x + a x³)`, `y = x s`. Registered with SIMD only. */
function geluKernel(simd: SimdKernels, args: KernelArgs): tf.TensorInfo[] {
  const { x } = args.inputs as Record<string, tf.TensorInfo>;
  const { k, a } = args.attrs as unknown as { k: number; a: number };
  const backend = wasmOf(args, GELU);
  const outs = [x.shape, x.shape].map((shape) => backend.makeOutput(shape, "float32"));
  const [ox, oy, os] = [x, ...outs].map((t) => heapOffset(backend, t));
  const n = tf.util.sizeFromShape(x.shape);
  simd.gelu(ox, oy, os, n, 2 * k, 2 * k * a);
  const [X, Y, S] = views(backend, [x, ...outs]);
  for (let i = n - (n % 4); i < n; i++) {
    const xi = X[i], si = 1 / (1 + Math.exp(-2 * k * (xi + a * xi * xi * xi)));
    S[i] = si;
    Y[i] = xi * si;
  }
  return outs;
}

function geluGradLoop(
  DY: Float32Array,
  X: Float32Array,
  S: Float32Array,
  DX: Float32Array,
  c3: number,
  c1: number,
  from: number,
): void {
  // Results go to a small scratch block first and are copied out per block. Written straight
  // to DX, the stores and the loads of DY and S can sit a multiple of 4 KiB apart on the heap
  // (tfjs places large buffers at similar page offsets), which stalls every load behind a store
  // ("4K aliasing"): after ~125 training steps of the medium GPT the kernel went 1.2 -> 4.7 ms.
  const block = new Float32Array(BLOCK);
  for (let start = from; start < DX.length; start += BLOCK) {
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

/**
 * Registers the fused layer kernels on the wasm backend (done by `accelerateWasm`); the GELU
 * forward only with SIMD, since a scalar `Math.exp` loop is slower than tfjs's vectorised ops.
 *
 * @param simd The SIMD loops to use, or null for the scalar loops.
 * @returns A function that unregisters them.
 */
export function installFusedLayers(simd: SimdKernels | null): () => void {
  const kernels: [string, (args: KernelArgs) => unknown][] = [
    [LAYER_NORM, (args) => layerNormKernel(simd, args)],
    [LAYER_NORM_GRAD, (args) => layerNormGradKernel(simd, args)],
    [GELU_GRAD, (args) => geluGradKernel(simd, args)],
  ];
  if (simd !== null) kernels.push([GELU, (args) => geluKernel(simd, args)]);
  for (const [kernelName, kernelFunc] of kernels) {
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc: kernelFunc as tf.KernelFunc });
  }
  return () => kernels.forEach(([name]) => tf.unregisterKernel(name, "wasm"));
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

/**
 * The tanh-GELU forward `x sigmoid(2k (x + a x³))` in one SIMD kernel.
 *
 * @param x Any shape.
 * @param k `sqrt(2 / pi)`.
 * @param a `0.044715`.
 * @returns `[y, s]`: the output, and the sigmoid {@linkcode fusedGeluGrad} needs.
 */
export function fusedGelu(x: tf.Tensor, k: number, a: number): [tf.Tensor, tf.Tensor] {
  const inputs = { x } as unknown as tf.NamedTensorMap;
  return tf.engine().runKernel(GELU, inputs, { k, a }) as [tf.Tensor, tf.Tensor];
}
