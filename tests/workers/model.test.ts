import assert from "node:assert/strict";
import { RunDefinitionSchema } from "../../src/events/mod.ts";
import { createModelRunner, workerBackend } from "../../workers/model.ts";
import { syntheticDefinition } from "./_worker.ts";

Deno.test("workerBackend() activates the backend on first use, once, and shares it", async () => {
  const backend = workerBackend("wasm");
  assert.equal(backend.name, "wasm");
  const first = await backend.load();
  assert.equal(first.info.name, "wasm");
  assert.equal(await backend.load(), first, "the same backend and ops, not a second init");
});

Deno.test("workerBackend() that cannot start fails every GPT run with the reason", async () => {
  const backend = workerBackend("tensorflow"); // tfjs-node is not installed here
  const gpt = RunDefinitionSchema.parse({
    mode: "managed",
    model: { kind: "gpt", layers: 1, width: 32, heads: 2 },
    training: { steps: 10, batchSize: 4, sequenceLength: 16, seed: 5, evalEvery: 0 },
    optimizer: { lr: 3e-3 },
    adalrs: { window: 10 },
  });
  for (let run = 0; run < 2; run++) {
    await assert.rejects(createModelRunner(gpt, backend), /deno task setup:tensorflow/);
  }
});

Deno.test("createModelRunner() never loads a backend for a synthetic model", async () => {
  const untouchable = {
    name: "wasm" as const,
    load: () => Promise.reject(new Error("a synthetic run loaded the tfjs backend")),
  };
  const runner = await createModelRunner(syntheticDefinition(20), untouchable);
  assert.equal(runner.backend.name, "synthetic");
  assert.ok(Number.isFinite(await runner.step(0, 1e-3)));
  runner.dispose();
});
