import assert from "node:assert/strict";
import { createApp } from "../../src/api/mod.ts";
import { EventStore, recordBeat, watchStoreFile } from "../../src/events/mod.ts";
import { testApp } from "../_fixtures.ts";

const beat = (id: string, agoMs: number, runId: string | null = null) => ({
  id,
  pid: 1,
  host: "h",
  backend: "wasm",
  startedAt: new Date(Date.now() - 60_000).toISOString(),
  beatAt: new Date(Date.now() - agoMs).toISOString(),
  beatEveryMs: 1000,
  runId,
});

Deno.test("GET /ready checks a store write, the disk and the workers, and says which failed", async () => {
  using t = await testApp({ dataDir: ".", expectedWorkers: 0 });
  const ok = await t.call("GET", "/ready");
  assert.equal(ok.status, 200);
  assert.equal(ok.body.ready, true);
  assert.deepEqual(Object.keys(ok.body.checks), ["store", "disk", "workers"]);
  assert.ok(ok.body.checks.disk.freeBytes > 0);

  using full = await testApp({ dataDir: ".", minFreeBytes: Number.MAX_SAFE_INTEGER });
  const disk = await full.call("GET", "/ready");
  assert.equal(disk.status, 503);
  assert.equal(disk.body.checks.disk.ok, false);
  assert.match(disk.body.checks.disk.message, /^Only \d+ MiB free, under/);
  // Liveness stays cheap and unaffected.
  assert.equal((await full.call("GET", "/health")).status, 200);
});

Deno.test("GET /ready needs a live worker when the service runs workers; GET /v1/workers shows them", async () => {
  using t = await testApp({
    expectedWorkers: 2,
    supervised: () => [
      { id: "w-new", pid: 42, state: "running", restarts: 0, lastExit: null },
      { id: "w-dead", pid: null, state: "restarting", restarts: 3, lastExit: "killed by SIGKILL" },
    ],
  });
  const none = await t.call("GET", "/ready");
  assert.equal(none.status, 503);
  assert.match(none.body.checks.workers.message, /None of 2 workers is alive/);
  await recordBeat(t.store.kv, beat("w-dead", 60_000));
  assert.equal((await t.call("GET", "/ready")).status, 503, "a silent worker is not alive");
  await recordBeat(t.store.kv, beat("w-live", 200, "r123"));
  const ready = await t.call("GET", "/ready");
  assert.equal(ready.status, 200);
  assert.equal(ready.body.checks.workers.alive, 1);

  const { body } = await t.call("GET", "/v1/workers");
  const byId = Object.fromEntries(body.workers.map((w: { id: string }) => [w.id, w]));
  assert.deepEqual(Object.keys(byId).sort(), ["w-dead", "w-live", "w-new"]);
  assert.equal(byId["w-live"].alive, true);
  assert.equal(byId["w-live"].runId, "r123");
  assert.equal(byId["w-dead"].alive, false);
  assert.equal(byId["w-dead"].supervised.restarts, 3);
  assert.equal(byId["w-new"].alive, false, "started, not beating yet");
  assert.equal(byId["w-new"].supervised.pid, 42);
});

Deno.test("a removed store file: writes get a 503 and write nothing, /ready says why, reads go on", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/adalrs.kv`;
  const store = new EventStore(await Deno.openKv(path));
  try {
    const app = createApp(store, { storeFile: await watchStoreFile(path) });
    const post = () =>
      app.request("/v1/runs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ mode: "external", training: { steps: 50 }, optimizer: { lr: 1 } }),
      });
    assert.equal((await post()).status, 201);
    await Deno.remove(path);
    const refused = await post();
    assert.equal(refused.status, 503);
    assert.match(
      (await refused.json()).error.message,
      /was removed while the service ran; nothing was written/,
    );
    assert.equal((await store.list()).length, 1);
    const ready = await app.request("/ready");
    assert.equal(ready.status, 503);
    assert.match((await ready.json()).checks.store.message, /was removed/);
    assert.equal((await app.request("/v1/runs")).status, 200);
    // A file put back at the path is not the one open: still refused.
    await Deno.writeTextFile(path, "");
    assert.equal((await post()).status, 503);
  } finally {
    store.kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});
