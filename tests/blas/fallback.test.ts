import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../../src/train/backend.ts";
import { accelerateWasm, restoreWasmKernels } from "../../src/train/blas/mod.ts";

await initBackend("wasm");

function matMulIsCorrect(): void {
  tf.tidy(() => {
    const y = tf.matMul(
      tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]),
      tf.tensor2d([1, 0, 0, 1, 1, 1], [3, 2]),
    );
    assert.deepEqual([...y.dataSync()], [4, 5, 10, 11]);
  });
}

async function withEnv(name: string, value: string, f: () => Promise<void>): Promise<void> {
  const old = Deno.env.get(name);
  Deno.env.set(name, value);
  try {
    await f();
  } finally {
    if (old === undefined) Deno.env.delete(name);
    else Deno.env.set(name, old);
  }
}

Deno.test("accelerateWasm() with a missing library reports why, logs once, keeps tfjs", async () => {
  restoreWasmKernels();
  await withEnv("ADALRS_BLAS_LIB", "/nonexistent/libopenblas.so.0", async () => {
    const lines: string[] = [];
    const status = await accelerateWasm({ log: (line) => lines.push(line) });
    assert.deepEqual(status.enabled, false);
    assert.deepEqual(status.threads, 0);
    assert.match(status.reason ?? "", /\/nonexistent\/libopenblas\.so\.0/);
    assert.deepEqual(lines.length, 1);
    assert.match(lines[0], /native BLAS off/);
  });
  assert(!tf.getKernel("BatchMatMul", "wasm")?.kernelFunc.name.includes("Blas"));
  matMulIsCorrect();
});

Deno.test("accelerateWasm() with a library lacking cblas_sgemm falls back", async () => {
  const lines: string[] = [];
  const status = await accelerateWasm({ libraryPath: "libm.so.6", log: (l) => lines.push(l) });
  assert.deepEqual(status.enabled, false);
  assert.match(status.reason ?? "", /libm\.so\.6/);
  assert.deepEqual(lines.length, 1);
  matMulIsCorrect();
});

Deno.test({
  name: "accelerateWasm() without --allow-ffi says so and falls back",
  permissions: { ffi: false, env: true, read: true },
  async fn() {
    const lines: string[] = [];
    const status = await accelerateWasm({ log: (l) => lines.push(l) });
    assert.deepEqual(status.enabled, false);
    assert.match(status.reason ?? "", /--allow-ffi/);
    assert.deepEqual(lines.length, 1);
    matMulIsCorrect();
  },
});

Deno.test("accelerateWasm() is idempotent and restoreWasmKernels() puts tfjs back", async () => {
  const first = await accelerateWasm({ log: () => {} });
  assert(first.enabled, first.reason);
  assert.deepEqual(await accelerateWasm(), first);
  assert.deepEqual(tf.getKernel("BatchMatMul", "wasm")?.kernelFunc.name, "batchMatMulBlas");
  matMulIsCorrect();
  restoreWasmKernels();
  assert(tf.getKernel("BatchMatMul", "wasm")?.kernelFunc.name !== "batchMatMulBlas");
  matMulIsCorrect();
});
