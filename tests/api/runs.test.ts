import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

const managed = { model: { kind: "synthetic" }, training: { steps: 50 }, optimizer: { lr: 1e-3 } };

Deno.test("POST /v1/runs creates a run with every default filled", async () => {
  using t = await testApp();
  const { status, body, res } = await t.call("POST", "/v1/runs", managed);
  assert.equal(status, 201);
  assert.equal(res.headers.get("location"), `/v1/runs/${body.id}`);
  assert.equal(body.status, "queued");
  assert.equal(body.definition.adalrs.alpha, 3);
  assert.equal(body.definition.schedule.kind, "cosine");
  assert.equal(body.lr, 1e-3);
  const got = await t.call("GET", `/v1/runs/${body.id}`);
  assert.equal(got.body.id, body.id);
  const list = await t.call("GET", "/v1/runs");
  assert.deepEqual(list.body.runs.map((r: { id: string }) => r.id), [body.id]);
});

Deno.test("POST /v1/runs lists every field error of an invalid definition", async () => {
  using t = await testApp();
  const { status, body } = await t.call("POST", "/v1/runs", {
    mode: "managed",
    model: { kind: "gpt", width: 10, heads: 3 },
    training: { steps: -5 },
    optimizer: { lr: "fast" },
    surprise: true,
  });
  assert.equal(status, 400);
  const paths = body.error.issues.map((i: { path: string }) => i.path).sort();
  assert.deepEqual(paths, ["(body)", "model.heads", "optimizer.lr", "training.steps"]);
  assert.match(body.error.message, /Unrecognized key: "surprise"/);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 0);
});

Deno.test("POST /v1/runs rejects a managed run without a model, and malformed JSON", async () => {
  using t = await testApp();
  const noModel = await t.call("POST", "/v1/runs", {
    training: { steps: 5 },
    optimizer: { lr: 1 },
  });
  assert.equal(noModel.status, 400);
  assert.equal(noModel.body.error.issues[0].path, "model");
  const bad = await t.call("POST", "/v1/runs", "{not json");
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /malformed JSON/);
});

Deno.test("GET /v1/runs/{id} is 404 for an unknown run, naming it", async () => {
  using t = await testApp();
  const { status, body } = await t.call("GET", "/v1/runs/rnope");
  assert.equal(status, 404);
  assert.match(body.error.message, /rnope/);
});

Deno.test("POST /v1/runs/{id}/cancel cancels once, then 409", async () => {
  using t = await testApp();
  const { body: run } = await t.call("POST", "/v1/runs", managed);
  const first = await t.call("POST", `/v1/runs/${run.id}/cancel`, { reason: "changed my mind" });
  assert.equal(first.status, 200);
  assert.equal(first.body.status, "cancelled");
  assert.equal(first.body.reason, "changed my mind");
  assert.equal((await t.call("POST", `/v1/runs/${run.id}/cancel`)).status, 409);
});

Deno.test("Bodies over the size limit get 413 and store nothing", async () => {
  using t = await testApp();
  const { status } = await t.call(
    "POST",
    "/v1/runs",
    JSON.stringify({ name: "x".repeat(300_000) }),
  );
  assert.equal(status, 413);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 0);
});

Deno.test("With a token, writes need Authorization: Bearer and reads do not", async () => {
  using t = await testApp({ token: "s3cret" });
  assert.equal((await t.call("POST", "/v1/runs", managed)).status, 401);
  const wrong = await t.call("POST", "/v1/runs", managed, { authorization: "Bearer nope" });
  assert.equal(wrong.status, 401);
  const ok = await t.call("POST", "/v1/runs", managed, { authorization: "Bearer s3cret" });
  assert.equal(ok.status, 201);
  assert.equal((await t.call("GET", "/v1/runs")).status, 200);
});

Deno.test("Errors never carry a stack trace", async () => {
  using t = await testApp();
  const { body } = await t.call("POST", "/v1/runs", { training: 1 });
  assert.doesNotMatch(JSON.stringify(body), /at .*\.ts:\d+/);
});

Deno.test("POST /v1/runs sizes an unset window to the run: 12 windows in the search phase, 10 to 50", async () => {
  using t = await testApp();
  const windowFor = async (steps: number, adalrs: Record<string, unknown> = {}) =>
    (await t.call("POST", "/v1/runs", { ...managed, training: { steps }, adalrs })).body.definition
      .adalrs.window;
  assert.equal(await windowFor(5000), 50);
  assert.equal(await windowFor(1000), 25);
  assert.equal(await windowFor(100), 10);
  assert.equal(await windowFor(1000, { searchStart: 0, searchEnd: 0.6 }), 50);
  assert.equal(await windowFor(1000, { window: 7 }), 7);
  assert.equal(
    (await t.call("POST", "/v1/runs", { ...managed, adalrs: { window: "big" } })).status,
    400,
  );
});
