import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

Deno.test("GET /static/vendor/{toString,constructor,__proto__} is a 404, not a 500", async () => {
  using t = await testApp();
  for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
    const res = await t.app.request(`/static/vendor/${name}`);
    assert.equal(res.status, 404, name);
    assert.match((await res.json()).error.message, /No vendor file/);
  }
  assert.equal((await t.app.request("/static/vendor/uPlot.min.css")).status, 200);
});

Deno.test("bare NaN/Infinity tokens are taken in losses only: a NaN name or key is a 400 naming where", async () => {
  using t = await testApp();
  const created = await t.call(
    "POST",
    "/v1/runs",
    '{"name": NaN, "mode": "external", "training": {"steps": 50}, "optimizer": {"lr": 0.001}}',
  );
  assert.equal(created.status, 400);
  assert.match(created.body.error.message, /malformed JSON/);
  const run = await t.call("POST", "/v1/runs", {
    mode: "external",
    training: { steps: 50 },
    optimizer: { lr: 1e-3 },
    adalrs: { window: 5 },
  });
  const path = `/v1/runs/${run.body.id}/losses`;
  const key = await t.call("POST", path, '{"fromStep": 0, "losses": [1], "idempotencyKey": NaN}');
  assert.equal(key.status, 400);
  assert.match(key.body.error.message, /NaN is only accepted in losses, not at idempotencyKey/);
  const nested = await t.call("POST", path, '{"fromStep": 0, "losses": [[Infinity]]}');
  assert.equal(nested.status, 400);
  assert.match(
    nested.body.error.message,
    /Infinity is only accepted in losses, not at losses\.0\.0/,
  );
  const ok = await t.call("POST", path, '{"fromStep": 0, "losses": [NaN, 2.5, -Infinity]}');
  assert.equal(ok.status, 200);
});

Deno.test("a body the client abandons is a 400 with no stack trace logged; a body too slow is a 408", async () => {
  using t = await testApp({ bodyTimeoutMs: 150 });
  const logged: unknown[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => logged.push(args);
  try {
    const aborted = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"mode": "ext'));
        controller.error(new Deno.errors.BadResource("Bad resource ID"));
      },
    });
    const res = await t.app.request("/v1/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: aborted,
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error.message, /could not be read: Bad resource ID/);
    assert.deepEqual(logged, [], "nothing logged for a client that went away");

    let timer: ReturnType<typeof setTimeout> | undefined;
    const slow = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("{"));
        timer = setTimeout(() => controller.close(), 5000);
      },
    });
    const started = performance.now();
    const late = await t.app.request("/v1/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: slow,
    });
    clearTimeout(timer);
    assert.equal(late.status, 408);
    assert.match((await late.json()).error.message, /took over 150 ms to arrive/);
    assert.ok(performance.now() - started < 2000);
    assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 0);
  } finally {
    console.error = original;
  }
});
