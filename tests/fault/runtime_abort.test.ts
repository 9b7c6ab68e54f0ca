import assert from "node:assert/strict";
import { RunDefinitionSchema } from "../../src/events/mod.ts";
import { EXIT_RUNTIME_ABORTED } from "../../workers/supervise.ts";
import { diskStore, startWorker, syntheticDefinition, waitFor } from "../workers/_worker.ts";

Deno.test("a worker whose WebAssembly runtime aborts fails that run, takes no other, and exits 70 to be replaced", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  // Past the wasm heap: the API now refuses this definition (see tests/api/limits.test.ts), so
  // it is put in the store directly, as a run created before that check would have been.
  const fits = RunDefinitionSchema.parse({
    model: { kind: "gpt", layers: 1, width: 64, heads: 1 },
    training: { steps: 20 },
    optimizer: { lr: 1e-3 },
  });
  const huge = await store.create({
    ...fits,
    training: { ...fits.training, batchSize: 2048, sequenceLength: 8192 },
  });
  const next = await store.create(syntheticDefinition(50));
  const worker = startWorker(kvPath, "fragile");
  try {
    const failed = await waitFor(store, huge.id, (v) => v.status === "failed", 30_000);
    assert.match(failed.reason ?? "", /memory access out of bounds|Aborted/);
    // Bounded: a worker that polls on with a broken runtime never exits by itself.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const { code, stdout } = await Promise.race([
      worker.output(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("the worker did not exit")), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    assert.equal(code, EXIT_RUNTIME_ABORTED);
    assert.match(new TextDecoder().decode(stdout), /WebAssembly runtime aborted; exiting/);
    assert.equal((await store.get(next.id))!.status, "queued", "the broken worker took no run");

    // What the supervisor does: a fresh process, whose runtime is whole, trains the next run.
    const fresh = startWorker(kvPath, "fragile");
    await waitFor(store, next.id, (v) => v.status === "completed", 30_000);
    fresh.kill("SIGTERM");
    assert.equal((await fresh.output()).code, 0);
  } finally {
    try {
      worker.kill("SIGKILL");
    } catch { /* exited */ }
    await removeStore();
  }
});
