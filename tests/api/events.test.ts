import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

async function runWithWindows(t: Awaited<ReturnType<typeof testApp>>, windows: number) {
  const { body } = await t.call("POST", "/v1/runs", {
    mode: "external",
    training: { steps: 5 * windows },
    optimizer: { lr: 0.01 },
    adalrs: { window: 5, searchStart: 0, searchEnd: 1 },
  });
  for (let w = 0; w < windows; w++) {
    const losses = [0, 1, 2, 3, 4].map((i) => 5 - 0.1 * (5 * w + i) + 0.01 * ((i * 7) % 3));
    await t.call("POST", `/v1/runs/${body.id}/losses`, { fromStep: 5 * w, losses });
  }
  return body.id as string;
}

Deno.test("GET events pages through the log with a cursor", async () => {
  using t = await testApp();
  const id = await runWithWindows(t, 2);
  const first = await t.call("GET", `/v1/runs/${id}/events?limit=2`);
  assert.deepEqual(first.body.events.map((e: { seq: number }) => e.seq), [0, 1]);
  assert.equal(first.body.next, 1);
  const rest = await t.call("GET", `/v1/runs/${id}/events?after=1&limit=100`);
  assert.deepEqual(rest.body.events.map((e: { type: string }) => e.type), [
    "LrDecided",
    "LossWindowRecorded",
    "LrDecided",
    "RunCompleted",
  ]);
  assert.equal(rest.body.next, null);
  assert.equal((await t.call("GET", `/v1/runs/${id}/events?limit=0`)).status, 400);
});

Deno.test("GET events/stream sends every event as SSE and ends with the run", async () => {
  using t = await testApp();
  const id = await runWithWindows(t, 2);
  const res = await t.app.request(`/v1/runs/${id}/events/stream?after=2`);
  assert.equal(res.headers.get("content-type"), "text/event-stream");
  const text = await res.text();
  const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(ids, [3, 4, 5]);
  assert.match(text, /event: RunCompleted/);
});

Deno.test("events/stream resumes after Last-Event-ID; a malformed one is a 400 naming it", async () => {
  using t = await testApp();
  const id = await runWithWindows(t, 2);
  const resumed = await t.app.request(`/v1/runs/${id}/events/stream?after=0`, {
    headers: { "Last-Event-ID": "3" },
  });
  const ids = [...(await resumed.text()).matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(ids, [4, 5]);
  for (const bad of ["", "abc", "1e3", "2.5"]) {
    const res = await t.app.request(`/v1/runs/${id}/events/stream`, {
      headers: { "Last-Event-ID": bad },
    });
    assert.equal(res.status, 400, `Last-Event-ID ${JSON.stringify(bad)}`);
    assert.match((await res.json()).error.message, /Last-Event-ID header/);
  }
});

Deno.test("POST replay reports every decision identical; what-if shows other decisions", async () => {
  using t = await testApp();
  const id = await runWithWindows(t, 6);
  const replay = await t.call("POST", `/v1/runs/${id}/replay`);
  assert.equal(replay.status, 200);
  assert.equal(replay.body.decisions.length, 6);
  assert.equal(replay.body.identical, 6);
  assert.equal(replay.body.different, 0);
  const whatIf = await t.call("POST", `/v1/runs/${id}/replay`, { adalrs: { enabled: false } });
  assert.deepEqual(whatIf.body.overrides, { enabled: false });
  assert.ok(
    whatIf.body.decisions.every((d: { derived: { rule: string } }) =>
      d.derived.rule === "disabled"
    ),
  );
  const bad = await t.call("POST", `/v1/runs/${id}/replay`, { adalrs: { alpha: 0.5, nope: 1 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.issues.length, 2);
});
