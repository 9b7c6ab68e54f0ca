/**
 * Test helpers: run a computation on the reference wasm kernels and on the OpenBLAS ones.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { accelerateWasm, restoreWasmKernels } from "../../src/train/blas/mod.ts";

/**
 * Runs `f` once on the reference wasm kernels and once with OpenBLAS kernels installed.
 *
 * @param f A computation returning plain data (not tensors).
 * @returns Both results.
 */
export async function bothWays<T>(f: () => T): Promise<{ ref: T; got: T }> {
  restoreWasmKernels();
  const ref = f();
  const status = await accelerateWasm();
  assert(status.enabled, `BLAS not enabled: ${status.reason}`);
  try {
    return { ref, got: f() };
  } finally {
    restoreWasmKernels();
  }
}

/**
 * Asserts two arrays agree to float32 tolerance (relative 1e-4, absolute 1e-4).
 *
 * @param got Computed.
 * @param want Expected.
 * @param label Names the case in failures.
 */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, label: string) {
  assert.equal(got.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-4 * (1 + Math.abs(want[i]));
    assert(Math.abs(got[i] - want[i]) <= tol, `${label}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** Seeded uniform values in [-scale, scale]. */
export const rand = (shape: number[], seed: number, scale = 1): tf.Tensor =>
  tf.randomUniform(shape, -scale, scale, "float32", seed);

/**
 * The value of `f(inputs)` and the gradients of `sum(f(inputs) * w)` for a fixed random `w`
 * (as dy), as plain arrays: what a kernel path must reproduce.
 *
 * @param f The computation.
 * @param inputs Makes its inputs (inside the tidy).
 * @returns `[value, ...input gradients]`.
 */
export function valueAndGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: () => tf.Tensor[],
): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs();
    const y = f(...xs);
    const grads = tf.grads((...a: tf.Tensor[]) => f(...a))(xs, rand(y.shape, 99));
    return [y.dataSync() as Float32Array, ...grads.map((g) => g.dataSync() as Float32Array)];
  });
}
