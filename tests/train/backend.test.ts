import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  BACKEND_NAMES,
  initBackend,
  parseBackendName,
  referenceOps,
  tensorflowSetupHint,
  wasmBinaryDir,
} from "../../src/train/mod.ts";

Deno.test("initBackend('wasm') activates wasm with the binaries from node_modules", async () => {
  const { info } = await initBackend("wasm");
  assert.deepEqual([info.name, info.version], ["wasm", "4.22.0"]);
  assert.equal(tf.getBackend(), "wasm");
  assert.match(wasmBinaryDir(), /node_modules\/.*@tensorflow\/tfjs-backend-wasm\/dist$/);
  // It computes on the wasm backend, not just claims to.
  const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3.5])).dataSync()[0]);
  assert.equal(sum, 6.5);
});

Deno.test("initBackend('cpu') switches only when asked, and back", async () => {
  const cpu = await initBackend("cpu");
  assert.deepEqual(cpu.info, { name: "cpu", version: "4.22.0" });
  assert.equal(cpu.ops, referenceOps, "no fused kernels off wasm");
  assert.equal(tf.getBackend(), "cpu");
  await initBackend("wasm");
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("initBackend('wasm') names the native BLAS and picks the fused ops, or neither", async () => {
  const { info, ops } = await initBackend("wasm");
  // ADALRS_BLAS_LIB replaces the search (e.g. /nonexistent to test the fallback).
  const override = Deno.env.get("ADALRS_BLAS_LIB");
  const found = (override ? [override] : [
    "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
    "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  ]).some((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
  if (found) {
    assert.match(info.accelerator ?? "", /^OpenBLAS \(\w+, \d+ threads\) \+ wasm SIMD$/);
    assert.equal(ops.name, "fused (SIMD)");
  } else {
    assert.equal(info.accelerator, undefined);
    assert.equal(ops, referenceOps);
  }
});

Deno.test("initBackend('tensorflow') without tfjs-node says how to install it", async () => {
  await initBackend("wasm");
  await assert.rejects(() => initBackend("tensorflow"), (error: Error) => {
    assert.match(error.message, /@tensorflow\/tfjs-node/);
    assert.match(error.message, /deno task setup:tensorflow/);
    assert.ok(error.message.includes(tensorflowSetupHint(false)));
    return true;
  });
  // No silent fallback: the previous backend is still the active one.
  assert.equal(tf.getBackend(), "wasm");
});

Deno.test("initBackend() rejects unknown names", async () => {
  await assert.rejects(() => initBackend("webgl" as "wasm"), /Unknown backend "webgl"/);
});

Deno.test("parseBackendName() accepts the four backends and names them when refusing", () => {
  assert.deepEqual(BACKEND_NAMES.map(parseBackendName), ["wasm", "cpu", "webgpu", "tensorflow"]);
  assert.throws(
    () => parseBackendName("gpu"),
    /Unknown backend "gpu"; expected wasm, cpu, webgpu, tensorflow/,
  );
});
