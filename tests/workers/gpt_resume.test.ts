import assert from "node:assert/strict";
import { decodeLoss } from "../../src/adalrs/mod.ts";
import { type EventStore, RunDefinitionSchema } from "../../src/events/mod.ts";
import { replayRun } from "../../src/replay/mod.ts";
import { diskStore, startWorker, stopWorker, waitFor } from "./_worker.ts";

const tinyGpt = RunDefinitionSchema.parse({
  mode: "managed",
  model: { kind: "gpt", layers: 1, width: 32, heads: 2 },
  training: {
    steps: 160,
    batchSize: 4,
    sequenceLength: 16,
    seed: 7,
    evalEvery: 40,
    checkpointEvery: 20,
  },
  optimizer: { lr: 3e-3 },
  adalrs: { window: 10, searchStart: 0, searchEnd: 0.9 },
});

/** Loss per step of the live (not abandoned) timeline. */
async function lossesByStep(store: EventStore, id: string): Promise<Map<number, number>> {
  const view = (await store.get(id))!;
  const losses = new Map<number, number>();
  for (const e of await store.read(id)) {
    const lost = view.abandoned.some(([a, b]) => e.seq >= a && e.seq <= b);
    if (e.type !== "LossWindowRecorded" || lost) continue;
    e.data.losses.forEach((l, i) => losses.set(e.data.fromStep + i, decodeLoss(l)));
  }
  return losses;
}

Deno.test("A GPT run killed mid-run resumes from its checkpoint with bit-identical losses", async () => {
  const { store, kvPath, removeStore } = await diskStore();
  const reference = await store.create(tinyGpt);
  const resumed = await store.create(tinyGpt);
  const first = startWorker(kvPath, "steady");
  let second: Deno.ChildProcess | null = null;
  try {
    // The first worker trains the reference run to the end, then starts on the second run.
    await waitFor(store, reference.id, (v) => v.status === "completed", 60_000);
    await waitFor(
      store,
      resumed.id,
      (v) => v.checkpoint !== null && v.progress.step > v.checkpoint.step + 5,
      60_000,
    );
    await stopWorker(first, "SIGKILL");
    second = startWorker(kvPath, "rescuer");
    const done = await waitFor(store, resumed.id, (v) => v.status === "completed", 60_000);
    assert.equal(done.abandoned.length, 1);
    assert.equal(done.worker?.backend?.name, "wasm");
    const report = replayRun(await store.read(resumed.id));
    assert.equal(report.different, 0);
    assert.deepEqual(report.resumes.map((r) => r.identical), [true]);
    // Same seed, same backend: resuming from a checkpoint changes nothing, bit for bit.
    assert.deepEqual(
      await lossesByStep(store, resumed.id),
      await lossesByStep(store, reference.id),
    );
  } finally {
    if (second) await stopWorker(second);
    else await stopWorker(first);
    await removeStore();
  }
});
