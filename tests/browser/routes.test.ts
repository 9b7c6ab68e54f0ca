/**
 * The dashboard's server side, through `app.request()`: pages, static files, examples, and the
 * downsampled curves. No browser here.
 */

import assert from "node:assert/strict";
import { RunDefinitionSchema } from "../../src/events/mod.ts";
import { testApp } from "../_fixtures.ts";
import { longExternalRun } from "./_harness.ts";

Deno.test("dashboard pages are served as HTML with a strict CSP and uPlot mapped", async () => {
  using t = await testApp();
  for (const path of ["/", "/runs/rwhatever", "/compare?ids=a,b"]) {
    const { status, body, res } = await t.call("GET", path);
    assert.equal(status, 200, path);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(res.headers.get("content-security-policy") ?? "", /script-src 'self' 'sha256-/);
    assert.match(body, /"uplot":"\/static\/vendor\/uPlot\.esm\.js"/);
    assert.match(body, /<script type="module" src="\/static\/dashboard\/\w+\.js">/);
  }
  const run = (await t.call("GET", "/runs/x")).body as string;
  for (const field of ["window", "alpha", "beta", "lambda", "z", "searchStart", "reference"]) {
    assert.match(run, new RegExp(`id="whatif-${field}"`), field);
  }
  assert.match(run, /<option>bracket<\/option>/);
});

Deno.test("dashboard static files: own modules, uPlot from npm, nothing else", async () => {
  using t = await testApp();
  for (const file of ["runs_page.js", "run_page.js", "compare_page.js", "dashboard.css"]) {
    const { status, res } = await t.call("GET", `/static/dashboard/${file}`);
    assert.equal(status, 200, file);
    assert.match(res.headers.get("content-type") ?? "", /^text\/(javascript|css)/);
  }
  const esm = await t.call("GET", "/static/vendor/uPlot.esm.js");
  assert.equal(esm.status, 200);
  assert.match(esm.body, /export \{ uPlot as default \}/);
  assert.equal((await t.call("GET", "/static/vendor/uPlot.min.css")).status, 200);
  for (const bad of ["/static/dashboard/..%2Fpages.ts", "/static/dashboard/nope.js"]) {
    assert.equal((await t.call("GET", bad)).status, 404, bad);
  }
  assert.equal((await t.call("GET", "/static/vendor/package.json")).status, 404);
});

Deno.test("GET /v1/examples lists every example, each a valid run definition", async () => {
  using t = await testApp();
  const { status, body } = await t.call("GET", "/v1/examples");
  assert.equal(status, 200);
  assert.ok(body.examples.length >= 1);
  for (const { file, definition } of body.examples) {
    assert.match(file, /\.json$/);
    assert.ok(RunDefinitionSchema.safeParse(definition).success, file);
  }
});

Deno.test("GET /v1/runs/{id}/curves downsamples 100k steps to max points", async () => {
  using t = await testApp();
  const id = await longExternalRun(t.store, 100_000);
  // How long it takes is measured by `deno task bench:timing`, not asserted here.
  const { status, body } = await t.call("GET", `/v1/runs/${id}/curves?max=2000`);
  assert.equal(status, 200);
  assert.deepEqual(body.points, { train: 100_000, val: 0, lr: 100_000 });
  assert.equal(body.train.step.length, 2000);
  assert.equal(body.lr.value.length, 2000);
  assert.ok(body.train.step.every((s: number, i: number) => i === 0 || s > body.train.step[i - 1]));
  assert.ok(body.markers.length > 0);
  for (const m of body.markers) assert.ok(m.rule in body.ruleColours, m.rule);
});

Deno.test("GET /v1/runs/{id}/curves follows a growing log; 404 and 400 as the API does", async () => {
  using t = await testApp();
  const { body: run } = await t.call("POST", "/v1/runs", {
    mode: "external",
    training: { steps: 100 },
    optimizer: { lr: 1e-3 },
    adalrs: { window: 10 },
  });
  const before = await t.call("GET", `/v1/runs/${run.id}/curves`);
  assert.equal(before.body.train.step.length, 0);
  await t.call("POST", `/v1/runs/${run.id}/losses`, {
    fromStep: 0,
    losses: Array.from({ length: 10 }, (_, i) => 3 - i / 100),
  });
  const after = await t.call("GET", `/v1/runs/${run.id}/curves`);
  assert.deepEqual(after.body.train.step, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(after.body.seq, before.body.seq + 2);
  assert.equal((await t.call("GET", "/v1/runs/rnope/curves")).status, 404);
  const bad = await t.call("GET", `/v1/runs/${run.id}/curves?max=3`);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.issues[0].path, "max");
});
