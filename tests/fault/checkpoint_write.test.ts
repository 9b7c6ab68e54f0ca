import assert from "node:assert/strict";
import {
  diskStore,
  startWorker,
  stopWorker,
  syntheticDefinition,
  waitFor,
} from "../workers/_worker.ts";
import { assertIntact } from "./_checks.ts";

Deno.test("checkpoints that cannot be written are recorded as CheckpointFailed and the run trains on to the end", async () => {
  const { store, kvPath, dir, removeStore } = await diskStore();
  const run = await store.create(syntheticDefinition(200, 0, { checkpointEvery: 50 }));
  // Where the run's checkpoint folder goes, a file: every write fails as on a read-only or full
  // disk (as root, permissions stop nothing, so a read-only folder would not).
  await Deno.mkdir(`${dir}/checkpoints`);
  await Deno.writeTextFile(`${dir}/checkpoints/${run.id}`, "in the way");
  const worker = startWorker(kvPath, "unlucky");
  let log: string | null = null;
  try {
    await waitFor(store, run.id, (v) => v.status === "completed", 30_000);
    const events = await assertIntact(store, run.id);
    const failed = events.flatMap((e) => e.type === "CheckpointFailed" ? [e.data] : []);
    assert.ok(failed.length >= 2, `${failed.length} failed checkpoints`);
    for (const { step, reason } of failed) {
      assert.match(
        reason,
        new RegExp(`^Could not write checkpoint ${run.id}/step-${step}\\.ckpt: `),
      );
      assert.ok(!reason.includes(dir), "the reason shows no server path");
    }
    assert.equal(events.filter((e) => e.type === "CheckpointSaved").length, 0);
    log = await stopWorker(worker);
    assert.match(log, /Could not write checkpoint .*; training goes on/);
  } finally {
    if (log === null) await stopWorker(worker);
    await removeStore();
  }
});
