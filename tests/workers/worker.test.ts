import assert from "node:assert/strict";
import { replayRun } from "../../src/replay/mod.ts";
import { diskStore, startWorker, stopWorker, syntheticDefinition, waitFor } from "./_worker.ts";

Deno.test("A worker process trains a managed run to completion; replay is identical", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(syntheticDefinition(300));
  const worker = startWorker(kvPath, "w1");
  try {
    const done = await waitFor(store, run.id, (v) => v.status === "completed");
    const events = await store.read(run.id);
    const types = new Set(events.map((e) => e.type));
    for (
      const t of ["RunLeased", "LossWindowRecorded", "LrDecided", "EvalRecorded", "CheckpointSaved"]
    ) {
      assert.ok(types.has(t as never), `no ${t}`);
    }
    const leased = events.find((e) => e.type === "RunLeased");
    assert.equal(leased?.type === "RunLeased" && leased.data.backend?.name, "synthetic");
    assert.ok(done.multiplier > 1, `the LR should have moved up from 0.1x, m = ${done.multiplier}`);
    const report = replayRun(events);
    assert.equal(report.different, 0);
    assert.equal(report.identical, 30);
  } finally {
    await stopWorker(worker);
    await removeStore();
  }
});

Deno.test("Two worker processes never train the same run at once", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const runs = await Promise.all([1, 2, 3, 4].map(() => store.create(syntheticDefinition(200, 1))));
  // A long lease: a takeover here would mean a worker stalled for 10 s, not a race.
  const workers = [startWorker(kvPath, "wa", 10_000), startWorker(kvPath, "wb", 10_000)];
  try {
    for (const run of runs) await waitFor(store, run.id, (v) => v.status === "completed", 30_000);
    const trainedBy = new Set<string>();
    for (const run of runs) {
      const events = await store.read(run.id);
      const leases = events.filter((e) => e.type === "RunLeased");
      assert.equal(leases.length, 1, `run ${run.id} was leased ${leases.length} times`);
      if (leases[0].type === "RunLeased") trainedBy.add(leases[0].data.workerId);
      assert.equal(replayRun(events).different, 0);
    }
    assert.deepEqual([...trainedBy].sort(), ["wa", "wb"]);
  } finally {
    await Promise.all(workers.map((w) => stopWorker(w)));
    await removeStore();
  }
});

Deno.test("Killing a worker mid-run lets a second one finish it from the checkpoint", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(syntheticDefinition(600, 4));
  const first = startWorker(kvPath, "doomed");
  let second: Deno.ChildProcess | null = null;
  try {
    const checkpointed = await waitFor(
      store,
      run.id,
      (v) => v.checkpoint !== null && v.progress.step > v.checkpoint.step + 10,
    );
    await stopWorker(first, "SIGKILL");
    second = startWorker(kvPath, "rescuer");
    const done = await waitFor(store, run.id, (v) => v.status === "completed", 30_000);
    assert.ok(
      done.abandoned.length === 1,
      "the dead worker's events after the checkpoint are abandoned",
    );
    const events = await store.read(run.id);
    const leases = events.filter((e) => e.type === "RunLeased");
    assert.equal(leases.length, 2);
    const resume = leases[1].type === "RunLeased" ? leases[1].data.resume : null;
    assert.ok(resume && resume.fromSeq >= checkpointed.checkpoint!.seq);
    assert.equal(leases[1].type === "RunLeased" && leases[1].data.workerId, "rescuer");
    const report = replayRun(events);
    assert.equal(report.different, 0);
    assert.ok(report.decisions.some((d) => d.abandoned));
    assert.deepEqual(report.resumes.map((r) => r.identical), [true]);
    assert.equal(report.final.nextStep, 600);
  } finally {
    if (second) await stopWorker(second);
    await removeStore();
  }
});

Deno.test("Cancelling a run stops its worker within one step", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(syntheticDefinition(5000, 20));
  const worker = startWorker(kvPath, "w-cancel");
  try {
    const running = await waitFor(store, run.id, (v) => v.progress.step >= 10);
    const cancelled = await store.append(run.id, [{
      type: "RunCancelled",
      data: { step: running.progress.step, reason: "test" },
    }], {
      expectedSeq: running.seq,
    });
    assert.ok(cancelled.ok);
    await new Promise((r) => setTimeout(r, 300));
    const events = await store.read(run.id);
    assert.equal(events.at(-1)?.type, "RunCancelled", "nothing is appended after the cancel");
    const log = await stopWorker(worker);
    assert.match(log, /stopped: run .* is cancelled/);
  } finally {
    await removeStore();
  }
});
