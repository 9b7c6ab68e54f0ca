import assert from "node:assert/strict";
import { newEvent, ValueTooLargeError } from "../../src/events/mod.ts";
import { externalDefinition, memoryStore } from "../_fixtures.ts";

Deno.test("EventStore.create() starts a stream at seq 0 with RunCreated", async () => {
  const store = await memoryStore();
  const view = await store.create(externalDefinition());
  const events = await store.read(view.id);
  assert.deepEqual(events.map((e) => [e.seq, e.type]), [[0, "RunCreated"]]);
  assert.equal(view.status, "running", "an external run needs no worker to start");
  assert.deepEqual(await store.activeIds(), [view.id]);
  store.kv.close();
});

Deno.test("EventStore.append() gives dense seqs and two appenders never both win a seq", async () => {
  const store = await memoryStore();
  const { id } = await store.create(externalDefinition());
  const eval1 = newEvent("EvalRecorded", { step: 0, valLoss: 1 });
  const results = await Promise.all(
    Array.from({ length: 8 }, () => store.append(id, [eval1], { expectedSeq: 0 })),
  );
  assert.equal(results.filter((r) => r.ok).length, 1);
  const conflict = results.find((r) => !r.ok);
  assert.deepEqual(conflict && !conflict.ok && conflict.conflict, { expectedSeq: 0, actualSeq: 1 });
  await store.append(id, [eval1, eval1], { expectedSeq: 1 });
  assert.deepEqual((await store.read(id)).map((e) => e.seq), [0, 1, 2, 3]);
  store.kv.close();
});

Deno.test("EventStore.append() with an idempotency key lands once and replays its result", async () => {
  const store = await memoryStore();
  const { id } = await store.create(externalDefinition());
  const event = newEvent("EvalRecorded", { step: 0, valLoss: 2 });
  const first = await store.append(id, [event], {
    expectedSeq: 0,
    idempotencyKey: "k1",
    result: { a: 1 },
  });
  const retry = await store.append(id, [event], {
    expectedSeq: 0,
    idempotencyKey: "k1",
    result: { a: 2 },
  });
  assert.ok(first.ok && retry.ok);
  assert.equal(retry.replayed, true);
  assert.deepEqual(retry.result, { a: 1 });
  assert.equal((await store.read(id)).length, 2);
  store.kv.close();
});

Deno.test("EventStore.read() pages with after and limit", async () => {
  const store = await memoryStore();
  const { id } = await store.create(externalDefinition());
  const events = Array.from(
    { length: 5 },
    (_, i) => newEvent("EvalRecorded", { step: i, valLoss: i }),
  );
  await store.append(id, events, { expectedSeq: 0 });
  assert.deepEqual((await store.read(id, { after: 1, limit: 2 })).map((e) => e.seq), [2, 3]);
  assert.deepEqual((await store.read(id, { after: 4 })).map((e) => e.seq), [5]);
  assert.deepEqual(await store.read(id, { after: 5 }), []);
  store.kv.close();
});

Deno.test("EventStore.append() refuses a value over the KV limit and stores nothing", async () => {
  const store = await memoryStore();
  const { id } = await store.create(externalDefinition());
  const huge = newEvent("RunFailed", { step: 0, reason: "x".repeat(70_000) });
  await assert.rejects(() => store.append(id, [huge], { expectedSeq: 0 }), ValueTooLargeError);
  assert.equal((await store.read(id)).length, 1);
  assert.equal((await store.get(id))?.seq, 0);
  store.kv.close();
});

Deno.test("EventStore keeps terminal runs out of the active index", async () => {
  const store = await memoryStore();
  const { id } = await store.create(externalDefinition());
  await store.append(id, [newEvent("RunCancelled", { step: 0, reason: "test" })], {
    expectedSeq: 0,
  });
  assert.deepEqual(await store.activeIds(), []);
  assert.equal((await store.get(id))?.status, "cancelled");
  store.kv.close();
});
