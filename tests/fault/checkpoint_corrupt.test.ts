import assert from "node:assert/strict";
import type { EventStore, RunDefinition, RunEvent } from "../../src/events/mod.ts";
import {
  diskStore,
  startWorker,
  stopWorker,
  syntheticDefinition,
  waitFor,
} from "../workers/_worker.ts";
import { assertIntact, leases } from "./_checks.ts";

type Saved = Extract<RunEvent, { type: "CheckpointSaved" }>;

/**
 * Sequential trials: a checkpoint is written only between trials, and paired trials (six windows
 * each) leave this short run too few gaps to collect three checkpoints by step 150.
 */
function sequential(definition: RunDefinition): RunDefinition {
  return { ...definition, adalrs: { ...definition.adalrs, trial: "sequential" } };
}

/** Trains until `count` checkpoints are recorded, then kills the worker with SIGKILL. */
async function crashAfterCheckpoints(store: EventStore, kvPath: string, runId: string, count = 3) {
  const worker = startWorker(kvPath, "doomed");
  await waitFor(store, runId, (v) => v.checkpoint !== null && v.checkpoint.step >= 150, 30_000);
  await stopWorker(worker, "SIGKILL");
  const saved = (await store.read(runId)).filter((e): e is Saved => e.type === "CheckpointSaved");
  assert.ok(saved.length >= count, `only ${saved.length} checkpoints`);
  return saved;
}

Deno.test("truncated and corrupt checkpoints are caught by sha256; the worker falls back to an older one and says so", async () => {
  const { store, kvPath, dir, removeStore } = await diskStore();
  const run = await store.create(sequential(syntheticDefinition(600, 2)));
  let rescuer: Deno.ChildProcess | null = null;
  try {
    const saved = await crashAfterCheckpoints(store, kvPath, run.id);
    const [older, corrupt, truncated] = saved.slice(-3);
    const file = (s: Saved) => `${dir}/checkpoints/${s.data.file}`;
    const bytes = await Deno.readFile(file(truncated));
    await Deno.writeFile(file(truncated), bytes.subarray(0, bytes.length >> 1));
    const flipped = await Deno.readFile(file(corrupt));
    flipped[flipped.length >> 1] ^= 0x01;
    await Deno.writeFile(file(corrupt), flipped);

    rescuer = startWorker(kvPath, "rescuer");
    await waitFor(store, run.id, (v) => v.status === "completed", 60_000);
    const events = await assertIntact(store, run.id);
    const resume = leases(events)[1].resume!;
    assert.equal(resume.fromSeq, older.seq, "resumed from the newest intact checkpoint");
    assert.equal(resume.step, older.data.step);
    assert.equal(resume.skipped?.length, 2);
    assert.match(resume.skipped![0], new RegExp(`step-${truncated.data.step}\\.ckpt is corrupt`));
    assert.match(resume.skipped![1], new RegExp(`step-${corrupt.data.step}\\.ckpt is corrupt`));
    const log = await stopWorker(rescuer);
    rescuer = null;
    assert.match(log, /skipped Checkpoint .* is corrupt: sha256/);
  } finally {
    if (rescuer) await stopWorker(rescuer);
    await removeStore();
  }
});

Deno.test("with every checkpoint missing or corrupt the worker restarts the run from step 0 and says so", async () => {
  const { store, kvPath, dir, removeStore } = await diskStore();
  const run = await store.create(sequential(syntheticDefinition(400, 2)));
  let rescuer: Deno.ChildProcess | null = null;
  try {
    const saved = await crashAfterCheckpoints(store, kvPath, run.id);
    // Recorded relative to the checkpoint folder: the log shows no server path.
    for (const s of saved) assert.match(s.data.file, new RegExp(`^${run.id}/step-\\d+\\.ckpt$`));
    await Deno.remove(`${dir}/checkpoints/${saved[0].data.file}`);
    for (const s of saved.slice(1)) {
      await Deno.writeTextFile(`${dir}/checkpoints/${s.data.file}`, "");
    }
    rescuer = startWorker(kvPath, "rescuer");
    await waitFor(store, run.id, (v) => v.status === "completed", 60_000);
    const events = await assertIntact(store, run.id);
    const resume = leases(events)[1].resume!;
    assert.deepEqual([resume.fromSeq, resume.step], [0, 0]);
    assert.equal(resume.skipped?.length, saved.length);
    assert.match(resume.skipped!.at(-1)!, /No such file|not found/i);
  } finally {
    if (rescuer) await stopWorker(rescuer);
    await removeStore();
  }
});
