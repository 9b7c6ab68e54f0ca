import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { gptFootprint } from "../../src/events/footprint.ts";
import { createTrainer, initBackend } from "../../src/train/mod.ts";

Deno.test("gptFootprint() is above the wasm heap that two real training steps grow", async () => {
  // Alone in its file: the heap only grows, so another model trained first would inflate it.
  const shape = {
    vocabSize: 256,
    layers: 2,
    width: 64,
    heads: 2,
    batchSize: 16,
    sequenceLength: 64,
  };
  const trainer = createTrainer({
    model: { ...shape, contextLength: shape.sequenceLength },
    data: { corpus: "moby-dick" },
    batchSize: shape.batchSize,
    seed: 0,
    optimizer: {},
    backend: await initBackend("wasm"),
  });
  try {
    await trainer.step(0, 1e-3);
    await trainer.step(1, 1e-3);
    const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } })
      .wasm.asm.memory;
    const heap = memory.buffer.byteLength;
    const estimate = gptFootprint(shape).totalBytes;
    assert.ok(estimate >= heap, `estimate ${estimate} under the measured heap ${heap}`);
    assert.ok(estimate < 4 * heap, `estimate ${estimate} far above the measured heap ${heap}`);
  } finally {
    trainer.dispose();
  }
});
