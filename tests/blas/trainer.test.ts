import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { accelerateWasm, restoreWasmKernels } from "../../src/train/blas/mod.ts";
import { createTrainer } from "../../src/train/mod.ts";

async function losses(steps: number): Promise<number[]> {
  const trainer = await createTrainer({
    model: { layers: 2, width: 32, heads: 4, contextLength: 16 },
    data: { corpus: "moby-dick" },
    batchSize: 4,
    seed: 7,
    optimizer: {},
  });
  const out: number[] = [];
  const before = tf.memory().numTensors;
  for (let s = 0; s < steps; s++) out.push(await trainer.step(s, 3e-3));
  assert.equal(tf.memory().numTensors, before, "tensors leaked across steps");
  trainer.dispose();
  return out;
}

Deno.test("the GPT trains to the same losses with and without the OpenBLAS kernels", async () => {
  restoreWasmKernels();
  const ref = await losses(8);
  const status = await accelerateWasm();
  assert(status.enabled, status.reason);
  try {
    const got = await losses(8);
    got.forEach((l, i) => assert(Math.abs(l - ref[i]) < 1e-3, `step ${i}: ${l} vs ${ref[i]}`));
    assert(got[7] < got[0], "loss went down");
  } finally {
    restoreWasmKernels();
  }
});
