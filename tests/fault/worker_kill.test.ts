import assert from "node:assert/strict";
import {
  diskStore,
  startWorker,
  stopWorker,
  syntheticDefinition,
  waitFor,
} from "../workers/_worker.ts";
import { assertIntact, leases } from "./_checks.ts";

Deno.test("kill -9 of a worker mid-window: a second worker resumes from the checkpoint; log intact", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(syntheticDefinition(400, 3));
  const first = startWorker(kvPath, "doomed");
  let second: Deno.ChildProcess | null = null;
  try {
    // Past a checkpoint and a few steps into a window (3 ms a step: the kill lands mid-window).
    await waitFor(store, run.id, (v) => v.checkpoint !== null && v.progress.step >= 120, 30_000);
    await new Promise((r) => setTimeout(r, 14));
    await stopWorker(first, "SIGKILL");
    second = startWorker(kvPath, "rescuer");
    await waitFor(store, run.id, (v) => v.status === "completed", 60_000);
    const events = await assertIntact(store, run.id);
    const [a, b] = leases(events);
    assert.deepEqual([a.workerId, b.workerId], ["doomed", "rescuer"]);
    assert.ok(b.resume && b.resume.fromSeq > 0, "resumed from a checkpoint, not the start");
  } finally {
    if (second) await stopWorker(second);
    await removeStore();
  }
});

Deno.test("kill -9 of a worker right after a snapshot action: the trial is abandoned, resumed before it", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  // 10x below the optimum: descent slows, and AdaLRS snapshots and tries a higher LR.
  const run = await store.create(syntheticDefinition(600, 4));
  const first = startWorker(kvPath, "doomed");
  let second: Deno.ChildProcess | null = null;
  try {
    const snapped = await waitFor(
      store,
      run.id,
      (v) => v.checkpoint !== null && v.lastDecision?.action.kind === "snapshot",
      30_000,
    );
    await stopWorker(first, "SIGKILL");
    second = startWorker(kvPath, "rescuer");
    await waitFor(store, run.id, (v) => v.status === "completed", 60_000);
    const events = await assertIntact(store, run.id);
    const resume = leases(events)[1].resume!;
    // A checkpoint is only ever taken between trials, so the resume point precedes this one.
    assert.ok(resume.fromSeq < snapped.seq, `resumed at ${resume.fromSeq}, after the snapshot`);
    assert.equal(resume.controller.trial, null);
    const view = (await store.get(run.id))!;
    assert.ok(
      view.abandoned.some(([from, to]) => from <= snapped.seq && snapped.seq <= to),
      "the dead worker's trial is abandoned",
    );
  } finally {
    if (second) await stopWorker(second);
    await removeStore();
  }
});

Deno.test("kill -9 of a worker mid-checkpoint write: the .partial file is never loaded", async () => {
  const { store, kvPath, dir, removeStore } = await diskStore();
  const run = await store.create(syntheticDefinition(300, 1));
  // FIFOs where the temporary files of checkpoints from step 100 on go (checkpoints fall on
  // window ends, multiples of 10): the write blocks opening one, so the worker is caught with a
  // .partial file and no rename, every time.
  const folder = `${dir}/checkpoints/${run.id}`;
  await Deno.mkdir(folder, { recursive: true });
  const fifos = Array.from({ length: 20 }, (_, i) => `${folder}/step-${100 + 10 * i}.ckpt.partial`);
  assert.equal((await new Deno.Command("mkfifo", { args: fifos }).output()).code, 0);
  const first = startWorker(kvPath, "doomed");
  let second: Deno.ChildProcess | null = null;
  try {
    let stuck = await waitFor(store, run.id, (v) => v.progress.step >= 100, 30_000);
    for (let still = 0; still < 10;) {
      await new Promise((r) => setTimeout(r, 50));
      const now = (await store.get(run.id))!;
      still = now.seq === stuck.seq ? still + 1 : 0;
      stuck = now;
    }
    const blocked = `${folder}/step-${stuck.progress.step}.ckpt.partial`;
    assert.ok(fifos.includes(blocked), `blocked at step ${stuck.progress.step}`);
    await stopWorker(first, "SIGKILL");
    // What a crash mid-write leaves: a torn temporary file under the checkpoint's name.
    for (const fifo of fifos) await Deno.remove(fifo);
    await Deno.writeTextFile(blocked, '{"gap": 0.00');
    second = startWorker(kvPath, "rescuer");
    await waitFor(store, run.id, (v) => v.status === "completed", 60_000);
    const events = await assertIntact(store, run.id);
    const resume = leases(events)[1].resume!;
    assert.equal(resume.step, stuck.checkpoint?.step ?? 0, "resumed from the last recorded one");
    assert.equal(resume.skipped, undefined, "no recorded checkpoint was damaged");
    for (const e of events) {
      if (e.type === "CheckpointSaved") assert.doesNotMatch(e.data.file, /\.partial$/);
    }
  } finally {
    if (second) await stopWorker(second);
    await removeStore();
  }
});
