/**
 * The compute a run was trained on, in words.
 *
 * @module
 */

import type { BackendRecord } from "./types.ts";

/**
 * `wasm 4.22.0 (OpenBLAS (Haswell, 1 threads) + wasm SIMD)`: the backend, its version and what
 * accelerates it. Two runs of one definition on different kernels round differently, so their
 * losses drift apart: the string tells which runs can be compared bit for bit.
 *
 * @param backend the `RunLeased` record; null when the worker did not report one
 */
export function describeBackend(backend: BackendRecord | null): string {
  if (backend === null) return "an unknown backend";
  const accelerator = backend.accelerator ? ` (${backend.accelerator})` : "";
  return `${backend.name} ${backend.version}${accelerator}`;
}
