import assert from "node:assert/strict";
import { acquireLease, EventStore, newEvent } from "../../src/events/mod.ts";
import { workerBackend } from "../../workers/model.ts";
import { trainLeasedRun } from "../../workers/train_run.ts";
import { syntheticDefinition } from "../workers/_worker.ts";

Deno.test("regression: EventStore.append() refuses any event after the run ended, at the right seq too", async () => {
  const store = new EventStore(await Deno.openKv(":memory:"));
  const run = await store.create(syntheticDefinition(100));
  const done = newEvent("RunCompleted", { step: 0, valLoss: null });
  assert.ok((await store.append(run.id, [done], { expectedSeq: 0 })).ok);
  for (const late of [newEvent("EvalRecorded", { step: 0, valLoss: 1 }), done]) {
    const out = await store.append(run.id, [late], { expectedSeq: 1 });
    assert.deepEqual(out, { ok: false, conflict: { expectedSeq: 1, actualSeq: 1 } });
  }
  assert.equal((await store.read(run.id)).length, 2);
  store.kv.close();
});

Deno.test("regression: a worker that leases a run in the instant it completed appends nothing", async () => {
  // Found by `deno task load` with 8 workers: a worker listed the run as active, its trainer
  // completed it and released the lease, and the late worker took the free lease and started
  // training the finished run again from its last checkpoint.
  const kv = await Deno.openKv(":memory:");
  const store = new EventStore(kv);
  const run = await store.create(syntheticDefinition(100));
  await store.append(run.id, [newEvent("RunCompleted", { step: 100, valLoss: null })], {
    expectedSeq: 0,
  });
  const held = (await acquireLease(kv, run.id, "late", 10_000, Date.now()))!;
  const checkpointDir = await Deno.makeTempDir({ prefix: "adalrs-late-" });
  const lines: string[] = [];
  await trainLeasedRun({
    store,
    workerId: "late",
    backend: workerBackend("cpu"),
    checkpointDir,
    leaseTtlMs: 10_000,
    log: (line) => lines.push(line),
  }, held);
  await Deno.remove(checkpointDir, { recursive: true });
  assert.equal((await store.read(run.id)).length, 2, "nothing appended after RunCompleted");
  assert.match(lines.join("\n"), /stopped: run \w+ is already completed/);
  assert.equal((await kv.get(["lease", run.id])).value, null, "the lease was given back");
  kv.close();
});
