/**
 * Native BLAS for the tfjs wasm backend: OpenBLAS sgemm, reached through Deno FFI, runs the
 * matmul kernels zero-copy on the WebAssembly heap, and a few fused kernels (AdamW, layer norm,
 * GELU backward, attention) replace chains of small tfjs ops. Everything else stays on tfjs wasm.
 *
 * Needs `--allow-ffi` (plus read access to `/proc/cpuinfo` and env access for tuning) and
 * Debian's `libopenblas0-pthread`. Without them it reports why and leaves tfjs as it was.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { installAttentionKernels } from "./attention.ts";
import { installFusedAdamW } from "./fused_adamw.ts";
import { installFusedLayers } from "./fused_layers.ts";
import { installBlasKernels } from "./kernels.ts";
import { loadOpenBlas, type OpenBlas } from "./openblas.ts";
import { loadSimdKernels, type SimdKernels } from "./simd.ts";

export { chooseCoreType, parseCpuFlags, tierOfCore, tierOfFlags } from "./coretype.ts";
export type { CoreTypeChoice, CoreTypeInput } from "./coretype.ts";
export { fusedOps } from "./ops.ts";
export { broadcastShapes, planBatchMatMul } from "./plan.ts";
export type { MatMulPlan } from "./plan.ts";

/** Options of {@linkcode accelerateWasm}. */
export interface AccelerateOptions {
  /** OpenBLAS to load instead of searching. @default Deno.env ADALRS_BLAS_LIB */
  libraryPath?: string;
  /**
   * sgemm threads; more than one must not meet a fork (`LoadOptions.threads`, openblas.ts).
   * @default Deno.env ADALRS_BLAS_THREADS, else all logical cores
   */
  threads?: number;
  /** Where the single line explaining a fallback goes. @default console.warn */
  log?: (line: string) => void;
  /** Use the WebAssembly SIMD loops for GELU and AdamW. @default true (false: the scalar loops) */
  simd?: boolean;
}

/** What {@linkcode accelerateWasm} did. */
export interface AccelerationStatus {
  /** True when BatchMatMul and _FusedMatMul on wasm now run through OpenBLAS. */
  enabled: boolean;
  /** The library file that was loaded. */
  library?: string;
  /** The OpenBLAS core in use, e.g. `SkylakeX`. */
  core?: string;
  /** Why that core (detected, forced because the CPU allows better, or set by the caller). */
  coreReason?: string;
  /** sgemm threads (0 when disabled). */
  threads: number;
  /** True when GELU and AdamW run as WebAssembly SIMD loops on the heap. */
  simd?: boolean;
  /** Why acceleration is off, when it is. */
  reason?: string;
}

let active: { blas: OpenBlas; restore: () => void; status: AccelerationStatus } | null = null;

/**
 * Routes the wasm backend's matmuls (and transposes, leading-axis sums, concat and split) to
 * OpenBLAS, and registers the fused kernels (AdamW, layer norm, GELU, causal attention) that
 * {@linkcode fusedOps} runs. Call once, best after the wasm backend is active (the installed
 * kernels are then also checked on it); later calls return the first result. On any failure (no library, no FFI
 * permission, a failed self-test) it logs one line, returns `enabled: false` with the reason,
 * and leaves the reference wasm kernels in place.
 *
 * @param options Library path, threads, logger.
 * @returns What was enabled, or why not.
 * @example
 * ```ts ignore
 * await initBackend("wasm");
 * const blas = await accelerateWasm();
 * console.log(blas.enabled ? `sgemm: OpenBLAS ${blas.core} x${blas.threads}` : blas.reason);
 * ```
 */
export async function accelerateWasm(
  options: AccelerateOptions = {},
): Promise<AccelerationStatus> {
  if (active !== null) return active.status;
  const log = options.log ?? console.warn;
  let blas: OpenBlas | undefined;
  let simd: SimdKernels | null = null;
  let restore: (() => void) | undefined;
  try {
    // Importing the package registers its kernels (not the backend): those we replace must exist.
    await import("@tensorflow/tfjs-backend-wasm");
    blas = loadOpenBlas({ path: options.libraryPath, threads: options.threads });
    simd = options.simd === false ? null : await simdOnHeap();
    const restoreKernels = installBlasKernels(blas);
    const removeAdamW = installFusedAdamW(simd);
    const removeLayers = installFusedLayers(simd);
    const removeAttention = installAttentionKernels(blas);
    restore = () => {
      removeAttention();
      removeLayers();
      removeAdamW();
      restoreKernels();
    };
    const failure = kernelSelfTest();
    if (failure !== null) throw new Error(`kernel self-test failed: ${failure}`);
  } catch (error) {
    restore?.();
    blas?.close();
    const reason = error instanceof Error ? error.message : String(error);
    log(`adalrs: native BLAS off, using tfjs wasm matmul: ${reason}`);
    return { enabled: false, threads: 0, reason };
  }
  const status: AccelerationStatus = {
    enabled: true,
    library: blas.path,
    core: blas.core,
    coreReason: blas.coreReason,
    threads: blas.threads,
    simd: simd !== null,
  };
  active = { blas, restore, status };
  return status;
}

/** The SIMD loops on the active wasm backend's heap; null on another backend or without SIMD. */
async function simdOnHeap(): Promise<SimdKernels | null> {
  const backend = tf.getBackend() === "wasm" ? tf.backend() : null;
  const memory = (backend as { wasm?: { asm?: { memory?: unknown } } } | null)?.wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? await loadSimdKernels(memory) : null;
}

/**
 * Whether the OpenBLAS kernels are installed: only the gradient rules registered with tfjs
 * (gradients.ts), one per kernel for every backend, ask; the model is handed its `Ops`.
 *
 * @returns True after a successful {@linkcode accelerateWasm}.
 */
export function isAccelerated(): boolean {
  return active !== null;
}

/**
 * Puts the reference wasm matmul kernels back and unloads OpenBLAS (tests, benchmarks). The
 * fused kernels go too: a model must then run on the reference ops.
 *
 * @returns Nothing; a no-op when acceleration is off.
 */
export function restoreWasmKernels(): void {
  if (active === null) return;
  active.restore();
  active.blas.close();
  active = null;
}

/**
 * Measures the loaded sgemm on square float32 matrices (for benchmark reports).
 *
 * @param size The matrices' side.
 * @param seconds Roughly how long to measure.
 * @returns GFLOP/s (2 n^3 per product), or `null` when acceleration is off.
 */
export function measureSgemmGflops(size = 512, seconds = 0.5): number | null {
  if (active === null) return null;
  const a = new Float32Array(size * size).map(() => Math.random());
  const c = new Float32Array(size * size);
  const sgemm = active.blas.sgemm;
  const run = () => sgemm(false, false, size, size, size, a, size, a, size, 0, c, size);
  run(); // warm-up: thread start, page faults
  let reps = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    run();
    reps++;
  }
  return (2 * size ** 3 * reps) / ((performance.now() - start) * 1e6);
}

/**
 * One batched, transposed, broadcast product through the installed kernel on the active
 * backend, against a JavaScript reference: proves the zero-copy heap addressing works here.
 * Skipped (passes) when the active backend is not wasm.
 */
function kernelSelfTest(): string | null {
  if (tf.getBackend() !== "wasm") return null;
  let failure: string | null = null;
  tf.tidy(() => {
    const [B, M, K, N] = [3, 5, 7, 4];
    const a = tf.randomUniform([B, K, M], -1, 1); // used transposed
    const b = tf.randomUniform([N, K], -1, 1); // used transposed, broadcast over B
    const got = tf.matMul(a, b, true, true).dataSync();
    const av = a.dataSync(), bv = b.dataSync();
    for (let i = 0; i < B * M * N; i++) {
      const [bi, mi, ni] = [Math.floor(i / (M * N)), Math.floor(i / N) % M, i % N];
      let want = 0;
      for (let k = 0; k < K; k++) want += av[bi * K * M + k * M + mi] * bv[ni * K + k];
      if (!(Math.abs(got[i] - want) < 1e-4)) failure ??= `entry ${i} is ${got[i]}, want ${want}`;
    }
  });
  return failure;
}
