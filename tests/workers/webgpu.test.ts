import assert from "node:assert/strict";
import { RunDefinitionSchema } from "../../src/events/mod.ts";
import { spawnWorker } from "../../workers/spawn.ts";
import { diskStore, stopWorker, waitFor } from "./_worker.ts";

const tinyGpt = RunDefinitionSchema.parse({
  mode: "managed",
  model: { kind: "gpt", layers: 1, width: 32, heads: 2 },
  // One window, one validation batch: llvmpipe runs shaders on a CPU the other tests share.
  training: { steps: 10, batchSize: 4, sequenceLength: 16, seed: 5, evalEvery: 0, evalBatches: 1 },
  optimizer: { lr: 3e-3 },
  adalrs: { window: 10 },
});

function webgpuWorker(kvPath: string, env?: Record<string, string>): Deno.ChildProcess {
  return spawnWorker({ kvPath, id: "gpu", backend: "webgpu", pollMs: 50, output: "piped", env });
}

Deno.test("A --backend webgpu worker trains a GPT run and records its adapter", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(tinyGpt);
  const worker = webgpuWorker(kvPath);
  try {
    const done = await waitFor(
      store,
      run.id,
      (v) => v.status !== "queued" && v.status !== "running",
      180_000,
    );
    assert.equal(done.status, "completed", done.reason ?? "");
    const leased = (await store.read(run.id)).find((e) => e.type === "RunLeased");
    assert.ok(leased?.type === "RunLeased");
    const backend = leased.data.backend;
    assert.equal(backend?.name, "webgpu");
    assert.ok(backend?.adapter?.description, `adapter recorded: ${JSON.stringify(backend)}`);
    assert.match(backend?.accelerator ?? "", /^WebGPU on /);
  } finally {
    await stopWorker(worker);
    await removeStore();
  }
});

Deno.test("A --backend webgpu worker without an adapter fails the run, saying why", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(tinyGpt);
  // Deno's WebGPU reads DENO_WEBGPU_BACKEND; DirectX 12 does not exist on Linux: no adapter.
  const worker = webgpuWorker(kvPath, { DENO_WEBGPU_BACKEND: "dx12" });
  try {
    const failed = await waitFor(store, run.id, (v) => v.status === "failed", 30_000);
    assert.match(failed.reason ?? "", /No WebGPU adapter found/);
    assert.match(failed.reason ?? "", /DENO_WEBGPU_BACKEND=dx12 restricts/);
    // Never a silent fallback: nothing was trained on another backend.
    const events = await store.read(run.id);
    assert.ok(!events.some((e) => e.type === "RunLeased" || e.type === "LossWindowRecorded"));
  } finally {
    await stopWorker(worker);
    await removeStore();
  }
});
