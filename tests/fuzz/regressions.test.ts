/**
 * One test per bug the fuzzers and fault tests found, named after what went wrong.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseJson } from "../../src/api/body.ts";
import { createApp } from "../../src/api/mod.ts";
import {
  type AppendResult,
  EventStore,
  recordRunLosses,
  RunDefinitionSchema,
} from "../../src/events/mod.ts";
import { importLossLog, parseLossLog } from "../../src/replay/mod.ts";
import { snapshot } from "./_hostile.ts";
import { EXTERNAL, world } from "./_world.ts";

Deno.test("regression: a run id over KV's 2 KiB key limit is a 404 on every route, not a 500", async () => {
  using w = await world();
  const id = "r".repeat(3000);
  for (
    const [method, path] of [
      ["GET", `/v1/runs/${id}`],
      ["GET", `/v1/runs/${id}/events`],
      ["GET", `/v1/runs/${id}/decisions`],
      ["POST", `/v1/runs/${id}/losses`],
      ["POST", `/v1/runs/${id}/cancel`],
      ["POST", `/v1/runs/${id}/replay`],
    ]
  ) {
    const res = await w.send(
      method,
      path,
      method === "POST" ? `{"fromStep":0,"losses":[1]}` : undefined,
    );
    const body = await res.json();
    if (path.endsWith("/cancel") || path.endsWith("/replay")) {
      assert.ok([400, 404].includes(res.status), `${method} ${path}: ${res.status}`);
    } else {
      assert.equal(res.status, 404, `${method} ${path.slice(0, 40)}`);
      assert.match(body.error.message, /^Run "r{80}…" does not exist$/);
    }
  }
});

Deno.test("regression: an Idempotency-Key header over 200 characters is a 400, not a 500", async () => {
  using w = await world();
  const was = await snapshot(w.store);
  const res = await w.send(
    "POST",
    `/v1/runs/${w.external}/losses`,
    JSON.stringify({ fromStep: 30, losses: [1] }),
    { "idempotency-key": "k".repeat(3000) },
  );
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.message, /^Invalid Idempotency-Key header: .*200/);
  assert.equal(await snapshot(w.store), was);
});

Deno.test("regression: events?after= the largest safe integer is an empty page, not a 500", async () => {
  using w = await world();
  const res = await w.send("GET", `/v1/runs/${w.external}/events?after=9007199254740991`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { events: [], next: null });
});

Deno.test("regression: quoting NaN in a malformed body full of escaped quotes is refused", () => {
  // An unterminated string full of escaped quotes: each quote used to start a scan to the end.
  const text = "{" + '"\\'.repeat(128 * 1024 - 1);
  // Its time is measured by `deno task bench:timing` (linear: a few ms), not asserted here.
  assert.throws(() => parseJson(text, "losses", "losses"), /malformed JSON/);
  assert.deepEqual(parseJson('{"b": "NaN", "c": [-Infinity, 1, NaN]}', "x", "c"), {
    b: "NaN",
    c: ["-Infinity", 1, "NaN"],
  });
});

/** A store that lets another request commit right after this one looked up its key. */
class RacingStore extends EventStore {
  race: (() => Promise<unknown>) | null = null;
  override async idempotent(runId: string, key: string): Promise<AppendResult | null> {
    const found = await super.idempotent(runId, key);
    const race = this.race;
    this.race = null;
    if (race) await race();
    return found;
  }
}

Deno.test("regression: a retry racing its own first attempt gets the first answer, not a 409 overlap", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new RacingStore(kv);
  const plain = new EventStore(kv);
  const run = await store.create(RunDefinitionSchema.parse(EXTERNAL));
  const batch = { fromStep: 0, losses: [5, 4.9, 4.8, 4.7, 4.6], idempotencyKey: "w0" };
  let first: Awaited<ReturnType<typeof recordRunLosses>> | null = null;
  // The client gave up on its first request and retried; the first one commits meanwhile.
  store.race = async () => {
    first = await recordRunLosses(plain, run.id, batch, { mode: "external" });
  };
  const retry = await recordRunLosses(store, run.id, batch, { mode: "external" });
  const original = first as Awaited<ReturnType<typeof recordRunLosses>> | null;
  if (!original?.ok || !retry.ok) throw new Error(`not both accepted: ${JSON.stringify(retry)}`);
  assert.deepEqual(retry.response, original.response);
  assert.equal((await store.read(run.id)).length, 3, "RunCreated, the window, its decision");
  kv.close();
});

Deno.test("regression: lock contention outlasting the retries is a 503 with Retry-After, not a 500", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new EventStore(kv);
  store.get = () => Promise.reject(new TypeError("database is locked"));
  const res = await createApp(store).request("/v1/runs/r1");
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.match((await res.json()).error.message, /busy; retry/);
  kv.close();
});

Deno.test("regression: a cancel that never wins the head gives up with a 503 instead of spinning", async () => {
  using w = await world();
  w.store.append = () =>
    Promise.resolve({ ok: false, conflict: { expectedSeq: 0, actualSeq: 1 } } as AppendResult);
  const res = await w.send("POST", `/v1/runs/${w.external}/cancel`, "{}");
  assert.equal(res.status, 503);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.match(
    (await res.json()).error.message,
    /^Cancelling run \S+: gave up after 50 attempts, each beaten by another writer/,
  );
});

Deno.test("regression: losses that never win the head give up with a 503 naming the run", async () => {
  using w = await world();
  w.store.append = () =>
    Promise.resolve({ ok: false, conflict: { expectedSeq: 0, actualSeq: 1 } } as AppendResult);
  const body = JSON.stringify({ fromStep: 30, losses: [2.5] });
  const res = await w.send("POST", `/v1/runs/${w.external}/losses`, body);
  assert.equal(res.status, 503);
  assert.match(
    (await res.json()).error.message,
    /^Appending losses to run \S+: gave up after 20 attempts/,
  );
});

Deno.test("regression: parseLossLog() names a JSONL line that is not an object instead of crashing", () => {
  assert.throws(
    () => parseLossLog('{"step": 1, "loss": 2}\nnull\n'),
    /^Error: Line 2: expected a JSON object, got null$/,
  );
});

Deno.test("regression: parseLossLog() keeps JSONL lines whose strings mention NaN or Infinity", () => {
  const log = parseLossLog(
    '{"step": 1, "loss": 2, "note": "NaN seen"}\n{"step": 2, "loss": NaN, "tag": "Infinity"}\n',
  );
  assert.deepEqual(log.losses, [2, "NaN"]);
});

Deno.test("regression: parseLossLog() refuses steps past 2^53, where 'comes after' is not exact", () => {
  assert.throws(() => parseLossLog("step,loss\n9007199254740993,1\n"), /Line 2: step/);
});

Deno.test("regression: importLossLog() takes a 300,000-line log with an lr column (no stack overflow)", async () => {
  const store = new EventStore(await Deno.openKv(":memory:"));
  const lines = ["step,loss,lr"];
  for (let i = 0; i < 300_000; i++) lines.push(`${i},${5 - i * 1e-6},${i === 7 ? 0.003 : 0.001}`);
  const view = await importLossLog(store, lines.join("\n"), {
    name: "big",
    adalrs: { window: 1000 },
  });
  assert.equal(view.definition.optimizer.lr, 0.003);
  assert.equal(view.status, "completed");
  store.kv.close();
});

Deno.test("regression: importLossLog() reports an unusable definition on one line, not as zod JSON", async () => {
  const store = new EventStore(await Deno.openKv(":memory:"));
  await assert.rejects(
    () => importLossLog(store, "step,loss,lr\n1,2,0\n2,1,0\n", { name: " " }),
    (err: Error) =>
      /^This log cannot become a run: name: .*; optimizer\.lr: .*/.test(err.message) &&
      !err.message.includes("\n"),
  );
  store.kv.close();
});
