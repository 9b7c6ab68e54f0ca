import assert from "node:assert/strict";
import { formatBytes, gptFootprint, WASM_HEAP_LIMIT_BYTES } from "../../src/events/footprint.ts";
import { testApp } from "../_fixtures.ts";

Deno.test("POST /v1/runs refuses a GPT no worker can hold with a 400 naming the estimate and the limit", async () => {
  using t = await testApp();
  // The audit's definition: within every field's limit, it aborted the worker's runtime.
  const { status, body } = await t.call("POST", "/v1/runs", {
    mode: "managed",
    model: { kind: "gpt", layers: 64, width: 4096, heads: 64 },
    training: { steps: 10, batchSize: 4096, sequenceLength: 8192 },
    optimizer: { lr: 1e-3 },
  });
  assert.equal(status, 400);
  const [issue] = body.error.issues;
  assert.equal(issue.path, "model");
  assert.match(
    issue.message,
    /needs an estimated [\d.]+ GiB .* over the 4\.0 GiB a worker's WebAssembly heap can hold/,
  );
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 0, "nothing stored");
});

Deno.test("POST /v1/runs accepts a GPT that fits, and an external run of any size", async () => {
  using t = await testApp();
  const fits = await t.call("POST", "/v1/runs", {
    model: { kind: "gpt", layers: 4, width: 256, heads: 4 },
    training: { steps: 1000, batchSize: 16, sequenceLength: 128 },
    optimizer: { lr: 1e-3 },
  });
  assert.equal(fits.status, 201, JSON.stringify(fits.body));
  // No worker of ours trains an external run: its trainer holds the model (and names none here).
  const external = await t.call("POST", "/v1/runs", {
    mode: "external",
    training: { steps: 10, batchSize: 4096, sequenceLength: 8192 },
    optimizer: { lr: 1e-3 },
  });
  assert.equal(external.status, 201, JSON.stringify(external.body));
});

Deno.test("gptFootprint() grows with batch and sequence and puts the limit between small and huge", () => {
  const base = {
    vocabSize: 256,
    layers: 2,
    width: 128,
    heads: 4,
    batchSize: 16,
    sequenceLength: 64,
  };
  const small = gptFootprint(base);
  assert.equal(small.parameters, 437_760, "the parameter count of src/train/gpt.ts");
  assert.ok(gptFootprint({ ...base, batchSize: 32 }).activationBytes > small.activationBytes);
  assert.ok(gptFootprint({ ...base, sequenceLength: 128 }).totalBytes > small.totalBytes);
  assert.ok(small.totalBytes < WASM_HEAP_LIMIT_BYTES);
  assert.ok(
    gptFootprint({ ...base, batchSize: 4096, sequenceLength: 8192 }).totalBytes >
      WASM_HEAP_LIMIT_BYTES,
  );
  assert.equal(formatBytes(WASM_HEAP_LIMIT_BYTES), "4.0 GiB");
});
