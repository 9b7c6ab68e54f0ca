import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

const definition = { mode: "external", training: { steps: 100 }, optimizer: { lr: 1e-3 } };

Deno.test("POST /v1/runs with an Idempotency-Key retried makes one run and answers with it", async () => {
  using t = await testApp();
  const key = { "idempotency-key": "create-1" };
  const first = await t.call("POST", "/v1/runs", definition, key);
  const again = await t.call("POST", "/v1/runs", definition, key);
  assert.equal(first.status, 201);
  assert.equal(again.status, 201);
  assert.equal(again.body.id, first.body.id);
  assert.equal(again.res.headers.get("idempotent-replayed"), "true");
  assert.equal(first.res.headers.get("idempotent-replayed"), null);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 1);
  // Concurrent retries of one create still make one run.
  const racing = await Promise.all(
    [1, 2, 3].map(() => t.call("POST", "/v1/runs", definition, { "idempotency-key": "create-2" })),
  );
  assert.equal(new Set(racing.map((r) => r.body.id)).size, 1);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 2);
});

Deno.test("POST /v1/runs refuses a reused Idempotency-Key with another definition (422), and makes no run", async () => {
  using t = await testApp();
  const key = { "idempotency-key": "create-1" };
  const first = await t.call("POST", "/v1/runs", definition, key);
  const other = await t.call("POST", "/v1/runs", { ...definition, name: "other" }, key);
  assert.equal(other.status, 422);
  assert.equal(other.body.error.runId, first.body.id);
  assert.match(other.body.error.message, /already created run .* from another definition/);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 1);
  const long = await t.call("POST", "/v1/runs", definition, { "idempotency-key": "k".repeat(201) });
  assert.equal(long.status, 400);
  // Without a key every create is a new run.
  await t.call("POST", "/v1/runs", definition);
  await t.call("POST", "/v1/runs", definition);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 3);
});
