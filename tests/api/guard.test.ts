import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

const definition = { mode: "external", training: { steps: 100 }, optimizer: { lr: 1e-3 } };

Deno.test("a cross-site POST /v1/runs is refused (403) and stores nothing, with or without a token set", async () => {
  using t = await testApp();
  const evil = await t.call("POST", "/v1/runs", definition, { origin: "http://evil.example" });
  assert.equal(evil.status, 403);
  assert.match(
    evil.body.error.message,
    /origin "http:\/\/evil.example" are refused.*--allowed-origins/,
  );
  const fetched = await t.call("POST", "/v1/runs", definition, { "sec-fetch-site": "cross-site" });
  assert.equal(fetched.status, 403);
  assert.equal((await t.call("GET", "/v1/runs")).body.runs.length, 0);
  // The service's own pages, and origins it was told about, may write.
  const own = await t.call("POST", "/v1/runs", definition, { origin: "http://localhost" });
  assert.equal(own.status, 201);
  using allowed = await testApp({ allowedOrigins: ["https://ui.example"] });
  const ui = await allowed.call("POST", "/v1/runs", definition, { origin: "https://ui.example" });
  assert.equal(ui.status, 201);
});

Deno.test("JSON routes refuse a text/plain or form body with 415, and a body without a type", async () => {
  using t = await testApp();
  const text = await t.call("POST", "/v1/runs", definition, { "content-type": "text/plain" });
  assert.equal(text.status, 415);
  assert.match(
    text.body.error.message,
    /Content-Type "text\/plain" is not accepted: send application\/json/,
  );
  const run = await t.call("POST", "/v1/runs", definition);
  const form = await t.call("POST", `/v1/runs/${run.body.id}/cancel`, "reason=x", {
    "content-type": "application/x-www-form-urlencoded",
  });
  assert.equal(form.status, 415);
  const untyped = await t.app.request(`/v1/runs/${run.body.id}/cancel`, {
    method: "POST",
    body: new Blob(['{"reason":"x"}']),
  });
  assert.equal(untyped.status, 415);
  // Nothing was cancelled.
  assert.notEqual((await t.call("GET", `/v1/runs/${run.body.id}`)).body.status, "cancelled");
  // No body at all needs no type; JSON with a charset or a +json type is JSON.
  const bare = await t.app.request(`/v1/runs/${run.body.id}/cancel`, { method: "POST" });
  assert.equal(bare.status, 200);
  const charset = await t.call("POST", "/v1/runs", definition, {
    "content-type": "application/json; charset=utf-8",
  });
  assert.equal(charset.status, 201);
});

Deno.test("an unknown Host is refused with 421 (DNS rebinding), except on the probes; --allowed-hosts widens it", async () => {
  using t = await testApp();
  const read = await t.app.request("http://attacker.example/v1/runs");
  assert.equal(read.status, 421);
  assert.match((await read.json()).error.message, /host name "attacker.example".*--allowed-hosts/);
  assert.equal((await t.app.request("http://attacker.example:8000/")).status, 421);
  assert.equal((await t.app.request("http://attacker.example/health")).status, 200);
  for (const host of ["localhost", "127.0.0.1", "[::1]"]) {
    assert.equal((await t.app.request(`http://${host}:8000/v1/runs`)).status, 200, host);
  }
  using named = await testApp({ allowedHosts: ["adalrs.internal"] });
  assert.equal((await named.app.request("http://adalrs.internal/v1/runs")).status, 200);
  assert.equal((await named.app.request("http://localhost/v1/runs")).status, 421);
  using any = await testApp({ allowedHosts: ["*"] });
  assert.equal((await any.app.request("http://attacker.example/v1/runs")).status, 200);
});
