/**
 * Causal self-attention read straight out of the fused `qkv` projection and written straight
 * into the merged `[B*T, C]` output, through strided sgemm calls: no split, no per-head
 * transposes, no separate scaling or mask kernels, and a backward pass that is one kernel
 * (softmax gradient included) writing one `dqkv`, instead of ~20.
 *
 * Head h of sequence b is a `[T, D]` block of `qkv` `[B*T, 3C]` at row `b*T`, column `h*D`
 * (q), `C + h*D` (k) or `2C + h*D` (v), with leading dimension 3C; sgemm addresses it in place.
 * The forward softmax stays a tfjs kernel (SIMD exp) between the two products.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { causalMaskData } from "../_mask.ts";
import type { AttentionShape } from "../ops.ts";
import type { BlasRoutines, Sgemm } from "./openblas.ts";
import { heapOffset, isWasmBackend, type WasmBackendLike } from "./wasm_backend.ts";

const SCORES = "AdalrsAttnScores";
const MIX = "AdalrsAttnMix";
const GRAD = "AdalrsAttnGrad";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type View = (
  t: tf.TensorInfo,
  offset: number,
  rows: number,
  cols: number,
  ld: number,
) => Float32Array;

/** Makes views of `rows x cols` blocks (leading dimension `ld`) at a float offset in a tensor. */
function viewer(backend: WasmBackendLike): View {
  const heap = backend.wasm.HEAPU8.buffer; // taken after makeOutput, which may grow the heap
  return (t, offset, rows, cols, ld) =>
    new Float32Array(heap, heapOffset(backend, t) + offset * 4, (rows - 1) * ld + cols);
}

function dims(qkv: tf.TensorInfo, attrs: AttentionShape) {
  const C = qkv.shape[1] / 3;
  return { ...attrs, C, D: C / attrs.H, ld: qkv.shape[1] };
}

function wasmOf(args: KernelArgs, name: string): WasmBackendLike {
  if (!isWasmBackend(args.backend)) throw new Error(`${name} runs on the wasm backend only`);
  return args.backend;
}

/** The float offset of head h of sequence b's q block in qkv; k and v follow at +C and +2C. */
const qAt = (b: number, h: number, d: ReturnType<typeof dims>) => b * d.T * d.ld + h * d.D;

/** qkv `[B*T, 3C]` -> scores `[B*H, T, T]` = `q k^T / sqrt(D)` + causal mask. */
function scores(sgemm: Sgemm) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { qkv } = args.inputs as { qkv: tf.TensorInfo };
    const backend = wasmOf(args, SCORES);
    const d = dims(qkv, args.attrs as unknown as AttentionShape);
    const { B, T, H, C, D, ld } = d;
    const out = backend.makeOutput([B * H, T, T], "float32");
    const view = viewer(backend), mask = causalMaskData(T);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const s = view(out, (b * H + h) * T * T, T, T, T);
        s.set(mask); // sgemm accumulates onto the mask (beta = 1)
        const q = view(qkv, qAt(b, h, d), T, D, ld), k = view(qkv, qAt(b, h, d) + C, T, D, ld);
        sgemm(false, true, T, T, D, q, ld, k, ld, 1, s, T, 1 / Math.sqrt(D));
      }
    }
    return out;
  };
}

/** weights `[B*H, T, T]`, qkv -> y `[B*T, C]`: each head's `weights @ v`, heads side by side. */
function mix(sgemm: Sgemm) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { p, qkv } = args.inputs as { p: tf.TensorInfo; qkv: tf.TensorInfo };
    const backend = wasmOf(args, MIX);
    const d = dims(qkv, args.attrs as unknown as AttentionShape);
    const { B, T, H, C, D, ld } = d;
    const out = backend.makeOutput([B * T, C], "float32");
    const view = viewer(backend);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const w = view(p, (b * H + h) * T * T, T, T, T);
        const v = view(qkv, qAt(b, h, d) + 2 * C, T, D, ld);
        sgemm(false, false, T, D, T, w, T, v, ld, 0, view(out, b * T * C + h * D, T, D, C), C);
      }
    }
    return out;
  };
}

/** dy `[B*T, C]`, weights `[B*H, T, T]`, qkv -> dqkv `[B*T, 3C]`, through the softmax. */
function grad(sgemm: Sgemm) {
  return (args: KernelArgs): tf.TensorInfo => {
    const { dy, p, qkv } = args.inputs as Record<string, tf.TensorInfo>;
    const backend = wasmOf(args, GRAD);
    const d = dims(qkv, args.attrs as unknown as AttentionShape);
    const { B, T, H, C, D, ld } = d;
    const out = backend.makeOutput(qkv.shape, "float32"); // every column block written below
    const view = viewer(backend), alpha = 1 / Math.sqrt(D);
    const ds = new Float32Array(T * T); // one head's dWeights, then dScores, in place
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const g = view(dy, b * T * C + h * D, T, D, C), w = view(p, (b * H + h) * T * T, T, T, T);
        const at = qAt(b, h, d);
        const [q, k, v] = [at, at + C, at + 2 * C].map((o) => view(qkv, o, T, D, ld));
        const [dq, dk, dv] = [at, at + C, at + 2 * C].map((o) => view(out, o, T, D, ld));
        sgemm(false, true, T, T, D, g, C, v, ld, 0, ds, T); // dWeights = g v^T
        sgemm(true, false, T, D, T, w, T, g, C, 0, dv, ld); // dv = weights^T g
        softmaxBackward(w, ds, T);
        sgemm(false, false, T, D, T, ds, T, k, ld, 0, dq, ld, alpha); // dq = a dScores k
        sgemm(true, false, T, D, T, ds, T, q, ld, 0, dk, ld, alpha); // dk = a dScores^T q
      }
    }
    return out;
  };
}

/**
 * `ds = w * (ds - rowsum(ds * w))` in place, for causal `[T, T]` weights: above the diagonal
 * the weights are exactly 0 (exp of -1e9), so only the lower triangle is computed.
 */
function softmaxBackward(w: Float32Array, ds: Float32Array, T: number): void {
  for (let i = 0; i < T; i++) {
    const start = i * T, end = start + i + 1;
    let dot = 0;
    for (let j = start; j < end; j++) dot += ds[j] * w[j];
    for (let j = start; j < end; j++) ds[j] = w[j] * (ds[j] - dot);
    ds.fill(0, end, start + T);
  }
}

/**
 * Registers the attention kernels on the wasm backend (done by `accelerateWasm`).
 *
 * @param blas The sgemm to call.
 * @returns A function that unregisters them.
 */
export function installAttentionKernels(blas: BlasRoutines): () => void {
  const kernels: [string, (s: Sgemm) => unknown][] = [
    [SCORES, scores],
    [MIX, mix],
    [GRAD, grad],
  ];
  for (const [kernelName, make] of kernels) {
    tf.registerKernel({
      kernelName,
      backendName: "wasm",
      kernelFunc: make(blas.sgemm) as tf.KernelFunc,
    });
  }
  return () => kernels.forEach(([name]) => tf.unregisterKernel(name, "wasm"));
}

/**
 * Multi-head causal self-attention from the fused projection, differentiable.
 * qkv: `[B*T, 3C]` -> `[B*T, C]`: per head `softmax(q k^T / sqrt(D) + mask) v`, heads merged.
 *
 * @param qkv Columns `[q | k | v]`, each `[head 0 | head 1 | ...]`.
 * @param shape B, T and H.
 * @returns The merged heads, before the output projection.
 * @example
 * ```ts ignore
 * const merged = causalAttention(linear(ops, x, qkvW, qkvB), { B, T, H }); // [B*T, C]
 * ```
 */
export function causalAttention(qkv: tf.Tensor, shape: AttentionShape): tf.Tensor2D {
  const attrs = { B: shape.B, T: shape.T, H: shape.H } as unknown as tf.NamedAttrMap;
  const op = tf.customGrad((x, save) => {
    const X = x as tf.Tensor;
    const weights = tf.softmax(tf.engine().runKernel(SCORES, { qkv: X }, attrs) as tf.Tensor3D);
    (save as tf.GradSaveFunc)([X, weights]);
    return {
      value: tf.engine().runKernel(MIX, { p: weights, qkv: X }, attrs) as tf.Tensor2D,
      gradFunc: (dy, [x, p]) => tf.engine().runKernel(GRAD, { dy, p, qkv: x }, attrs) as tf.Tensor,
    };
  });
  return op(qkv) as tf.Tensor2D;
}
