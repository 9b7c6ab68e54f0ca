/**
 * tfjs kernels for the wasm backend's matmul family that run OpenBLAS sgemm directly on the
 * WebAssembly heap: inputs are read where the backend keeps them and the output is allocated
 * through the backend, so nothing is copied in or out.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import {
  concatKernel,
  identityKernel,
  splitKernel,
  sumKernel,
  transposeKernel,
} from "./layout_kernels.ts";
import type { BlasRoutines, Sgemm } from "./openblas.ts";
import { type MatMulPlan, planBatchMatMul } from "./plan.ts";
import { heapOffset, isWasmBackend, type WasmBackendLike } from "./wasm_backend.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

const BYTES = 4; // float32

/** Runs every sgemm of a plan, writing into `out` (already allocated by the backend). */
function runPlan(
  sgemm: Sgemm,
  backend: WasmBackendLike,
  plan: MatMulPlan,
  args: { a: tf.TensorInfo; b: tf.TensorInfo; out: tf.TensorInfo; tA: boolean; tB: boolean },
  beta: number,
): void {
  const { m, n, k, lda, ldb, aSize, bSize, aIndex, bIndex } = plan;
  const heap = backend.wasm.HEAPU8.buffer; // read after makeOutput: allocating may grow the heap
  const aOff = heapOffset(backend, args.a), bOff = heapOffset(backend, args.b);
  const cOff = heapOffset(backend, args.out);
  const calls = aIndex.length;
  if (k === 0) {
    if (beta === 0) new Float32Array(heap, cOff, m * n * calls).fill(0);
    return;
  }
  const ldc = Math.max(1, n);
  for (let i = 0; i < calls; i++) {
    // Views sized to exactly one matrix: the constructor's bounds check guards the native call.
    const a = new Float32Array(heap, aOff + aIndex[i] * aSize * BYTES, m * k);
    const b = new Float32Array(heap, bOff + bIndex[i] * bSize * BYTES, k * n);
    const c = new Float32Array(heap, cOff + i * m * n * BYTES, m * n);
    sgemm(args.tA, args.tB, m, n, k, a, lda, b, ldb, beta, c, ldc);
  }
}

/** `BatchMatMul` through sgemm; `fallback` handles what it does not (non-float32). */
function batchMatMul(sgemm: Sgemm, fallback: tf.KernelFunc) {
  return function batchMatMulBlas(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const backend = args.backend;
    if (a.dtype !== "float32" || b.dtype !== "float32" || !isWasmBackend(backend)) {
      return fallback(args);
    }
    const plan = planBatchMatMul(a.shape, b.shape, transposeA, transposeB);
    const out = backend.makeOutput(plan.outShape, "float32");
    if (plan.m * plan.n === 0) return out;
    runPlan(sgemm, backend, plan, { a, b, out, tA: transposeA, tB: transposeB }, 0);
    return out;
  };
}

/**
 * `_FusedMatMul` with a rank-1 bias (or none) and a linear or relu activation, through sgemm:
 * the output is pre-filled with the bias and sgemm accumulates into it (beta = 1). Other
 * activations and prelu weights go to `fallback`.
 */
function fusedMatMul(sgemm: Sgemm, fallback: tf.KernelFunc) {
  return function fusedMatMulBlas(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const { a, b, bias, preluActivationWeights } = args.inputs as {
      a: tf.TensorInfo;
      b: tf.TensorInfo;
      bias?: tf.TensorInfo;
      preluActivationWeights?: tf.TensorInfo;
    };
    const { transposeA, transposeB, activation } = args.attrs as unknown as tf._FusedMatMulAttrs;
    const backend = args.backend;
    const supported = a.dtype === "float32" && b.dtype === "float32" &&
      isWasmBackend(backend) && preluActivationWeights == null &&
      (activation === "linear" || activation === "relu") &&
      (bias == null || (bias.dtype === "float32" && bias.shape.length === 1));
    if (!supported || !isWasmBackend(backend)) return fallback(args);
    const plan = planBatchMatMul(a.shape, b.shape, transposeA, transposeB);
    const n = plan.n, biasSize = bias == null ? 0 : bias.shape[0];
    if (bias != null && biasSize !== n && biasSize !== 1) return fallback(args);
    const out = backend.makeOutput(plan.outShape, "float32");
    const size = tf.util.sizeFromShape(plan.outShape);
    if (size === 0) return out;
    const heap = backend.wasm.HEAPU8.buffer;
    const y = new Float32Array(heap, heapOffset(backend, out), size);
    if (bias != null) {
      const biasView = new Float32Array(heap, heapOffset(backend, bias), biasSize);
      if (biasSize === 1) y.fill(biasView[0]);
      else for (let row = 0; row < size; row += n) y.set(biasView, row);
    }
    runPlan(sgemm, backend, plan, { a, b, out, tA: transposeA, tB: transposeB }, bias ? 1 : 0);
    if (activation === "relu") {
      for (let i = 0; i < size; i++) if (y[i] < 0) y[i] = 0; // NaN stays NaN, as in tfjs
    }
    return out;
  };
}

type Maker = (blas: BlasRoutines, fallback: tf.KernelFunc) => tf.KernelFunc;

const MAKERS: Record<string, Maker> = {
  BatchMatMul: (blas, fallback) => batchMatMul(blas.sgemm, fallback) as tf.KernelFunc,
  _FusedMatMul: (blas, fallback) => fusedMatMul(blas.sgemm, fallback) as tf.KernelFunc,
  Transpose: (blas, fallback) => transposeKernel(blas, fallback) as tf.KernelFunc,
  Sum: (blas, fallback) => sumKernel(blas, fallback) as tf.KernelFunc,
  Concat: (blas, fallback) => concatKernel(blas, fallback) as tf.KernelFunc,
  SplitV: (blas, fallback) => splitKernel(blas, fallback) as tf.KernelFunc,
  Identity: (blas, fallback) => identityKernel(blas, fallback) as tf.KernelFunc,
};

/** Kernel names this module replaces on the wasm backend. */
export const BLAS_KERNELS: readonly string[] = Object.keys(MAKERS);

/**
 * Replaces the wasm backend's `BatchMatMul`, `_FusedMatMul`, `Transpose`, `Sum`, `Concat`,
 * `SplitV` and `Identity` with kernels that call OpenBLAS, copy runs on the heap directly, or
 * share buffers.
 *
 * The original kernels stay reachable as fallbacks (for dtypes and attributes the BLAS path does
 * not cover) and are put back by the returned function.
 *
 * @param blas The routines to call.
 * @returns A function that restores the original wasm kernels.
 */
export function installBlasKernels(blas: BlasRoutines): () => void {
  const originals = BLAS_KERNELS.map((name) => {
    const config = tf.getKernel(name, "wasm");
    if (config === undefined) {
      throw new Error(`The wasm backend has no ${name} kernel; import tfjs-backend-wasm first`);
    }
    return config;
  });
  originals.forEach((original) => {
    tf.unregisterKernel(original.kernelName, "wasm");
    tf.registerKernel({
      kernelName: original.kernelName,
      backendName: "wasm",
      // Keep the original setup: if the wasm backend is created again, its fallback is rebound.
      setupFunc: original.setupFunc,
      kernelFunc: MAKERS[original.kernelName](blas, original.kernelFunc),
    });
  });
  return () => {
    for (const original of originals) {
      tf.unregisterKernel(original.kernelName, "wasm");
      tf.registerKernel(original);
    }
  };
}
