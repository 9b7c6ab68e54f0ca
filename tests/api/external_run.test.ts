import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

const external = {
  mode: "external",
  training: { steps: 10 },
  optimizer: { lr: 0.01 },
  schedule: { kind: "constant" },
  adalrs: { window: 5, searchStart: 0, searchEnd: 1 },
};

Deno.test("POST /v1/runs answers an external run with its first window's lrs, running", async () => {
  using t = await testApp();
  const { status, body } = await t.call("POST", "/v1/runs", external);
  assert.equal(status, 201);
  assert.equal(body.status, "running");
  assert.deepEqual([body.nextStep, body.windowEndsAt], [0, 4]);
  assert.deepEqual(body.lrs, [0.01, 0.01, 0.01, 0.01, 0.01]);
  assert.deepEqual(body.action, { kind: "continue" });
  // The first window goes in whole, in one post.
  const first = await t.call("POST", `/v1/runs/${body.id}/losses`, {
    fromStep: 0,
    losses: [5, 4.9, 4.8, 4.7, 4.6],
  });
  assert.equal(first.status, 200);
  assert.equal(first.body.decision.window.toStep, 4);
  const managed = await t.call("POST", "/v1/runs", {
    model: { kind: "synthetic" },
    training: { steps: 10 },
    optimizer: { lr: 0.01 },
  });
  assert.equal(managed.body.status, "queued");
  assert.equal(managed.body.lrs, undefined, "a managed run's trainer is our worker");
});

Deno.test("POST losses with valLoss records it; the last post's becomes RunCompleted.valLoss", async () => {
  using t = await testApp();
  const { id } = (await t.call("POST", "/v1/runs", external)).body;
  const mid = await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: 0,
    losses: [5, 4.9, 4.8, 4.7, 4.6],
    valLoss: 4.65,
  });
  assert.equal(mid.status, 200);
  assert.equal((await t.call("GET", `/v1/runs/${id}`)).body.lastValLoss, 4.65);
  await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: 5,
    losses: [4.5, 4.4, 4.3, 4.2, 4.1],
    valLoss: "NaN",
  });
  const { events } = (await t.call("GET", `/v1/runs/${id}/events`)).body;
  const evals = events.filter((e: { type: string }) => e.type === "EvalRecorded");
  assert.deepEqual(evals.map((e: { data: unknown }) => e.data), [{ step: 5, valLoss: 4.65 }]);
  const done = events.at(-1);
  assert.deepEqual([done.type, done.data], ["RunCompleted", { step: 10, valLoss: "NaN" }]);
  const windows = events.filter((e: { type: string }) => e.type === "LossWindowRecorded");
  assert.ok(windows.every((e: { data: object }) => !("valLoss" in e.data)));
});

Deno.test("RunCompleted of an external run keeps the last validation loss posted before it", async () => {
  using t = await testApp();
  const { id } = (await t.call("POST", "/v1/runs", external)).body;
  await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 0, losses: [5, 5, 5], valLoss: 3 });
  await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 3, losses: [5, 5] });
  await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 5, losses: [5, 5, 5, 5, 5] });
  const view = (await t.call("GET", `/v1/runs/${id}`)).body;
  assert.deepEqual([view.status, view.lastValLoss], ["completed", 3]);
  const { events } = (await t.call("GET", `/v1/runs/${id}/events`)).body;
  assert.equal(events.at(-1).data.valLoss, 3);
});

Deno.test("POST /v1/runs: a definition without model or mode points at mode; external refuses model", async () => {
  using t = await testApp();
  const noMode = await t.call("POST", "/v1/runs", {
    training: { steps: 10 },
    optimizer: { lr: 1 },
  });
  assert.equal(noMode.status, 400);
  assert.match(noMode.body.error.message, /"mode": "external"/);
  const withModel = await t.call("POST", "/v1/runs", {
    ...external,
    model: { kind: "synthetic" },
  });
  assert.equal(withModel.status, 400);
  assert.deepEqual(withModel.body.error.issues.map((i: { path: string }) => i.path), ["model"]);
});
