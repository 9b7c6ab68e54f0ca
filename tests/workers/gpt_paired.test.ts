import assert from "node:assert/strict";
import { decodeLoss } from "../../src/adalrs/mod.ts";
import { type RunDefinition, RunDefinitionSchema, type RunEvent } from "../../src/events/mod.ts";
import { replayRun } from "../../src/replay/mod.ts";
import { diskStore, startWorker, stopWorker, waitFor } from "./_worker.ts";

/** A tiny GPT 10x too slow, so that paired trials start early and often. */
const tinyGpt = RunDefinitionSchema.parse({
  mode: "managed",
  model: { kind: "gpt", layers: 1, width: 32, heads: 2 },
  training: { steps: 200, batchSize: 4, sequenceLength: 16, seed: 5, evalEvery: 0 },
  optimizer: { lr: 3e-4 },
  adalrs: { window: 10, searchStart: 0, searchEnd: 0.8, trial: "paired" },
});

/** Trains `definition` to completion on a worker process of its own; returns the run's log. */
async function trainedLog(definition: RunDefinition, workerId: string): Promise<RunEvent[]> {
  const { store, kvPath, removeStore } = await diskStore();
  const run = await store.create(definition);
  const worker = startWorker(kvPath, workerId);
  try {
    await waitFor(store, run.id, (v) => v.status === "completed", 60_000);
    return await store.read(run.id);
  } finally {
    await stopWorker(worker);
    await removeStore();
  }
}

Deno.test("A GPT worker runs a paired trial's control branch from the snapshot, on the same batches", async () => {
  const events = await trainedLog(tinyGpt, "paired");
  const loss = new Map<number, number>();
  for (const e of events) {
    if (e.type !== "LossWindowRecorded") continue;
    e.data.losses.forEach((l, i) => loss.set(e.data.fromStep + i, decodeLoss(l)));
  }
  const branches = events.flatMap((e) =>
    e.type === "LrDecided" && e.data.decision.action.kind === "branch" ? [e.data.decision] : []
  );
  assert.ok(branches.length > 0, "no paired trial started");
  for (const d of branches) {
    // The control branch's first step and the trial branch's first step are the same forward
    // pass: the same weights (the snapshot) on the same batch, whatever the LR.
    // The trial window and two settling windows of 10 ran before the branch.
    const trialStart = d.nextStep - 30;
    assert.equal(loss.get(d.nextStep), loss.get(trialStart), `branch at ${d.nextStep}`);
    assert.notEqual(loss.get(d.nextStep + 1), loss.get(d.nextStep), "training goes on");
  }
  // The worker logs the branch as a snapshot of the trial branch and a rollback.
  const saved = events.filter((e) => e.type === "SnapshotTaken").map((e) => e.data.snapshotId);
  for (const d of branches) {
    assert.ok(d.action.kind === "branch" && saved.includes(d.action.saveAs));
  }
  const report = replayRun(events);
  assert.equal(report.different, 0);
  assert.equal(report.identical, 20);
});

Deno.test("A GPT worker records each batch's bigram loss for a controlVariate run, and replay fits the same", async () => {
  const events = await trainedLog(
    RunDefinitionSchema.parse({ ...tinyGpt, adalrs: { ...tinyGpt.adalrs, controlVariate: true } }),
    "control-variate",
  );
  const ref = new Map<number, number>();
  for (const e of events) {
    if (e.type !== "LossWindowRecorded") continue;
    assert.equal(e.data.refLosses?.length, e.data.losses.length, `from ${e.data.fromStep}`);
    e.data.refLosses!.forEach((r, i) => ref.set(e.data.fromStep + i, r));
  }
  const decisions = events.flatMap((e) => e.type === "LrDecided" ? [e.data.decision] : []);
  assert.ok(decisions.every((d) => d.window.stats?.c !== undefined), "every window fitted");
  // A control branch trains the trial branch's batches again: the same reference losses (its
  // first window always runs; an upscale kept early ends it after that).
  const branches = decisions.filter((d) => d.action.kind === "branch");
  assert.ok(branches.length > 0, "no paired trial started");
  for (const d of branches) {
    for (let i = 0; i < 10; i++) {
      assert.equal(ref.get(d.nextStep + i), ref.get(d.nextStep - 30 + i), `${d.nextStep}+${i}`);
    }
  }
  const report = replayRun(events);
  assert.deepEqual([report.identical, report.different], [decisions.length, 0]);
});
