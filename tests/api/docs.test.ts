import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

Deno.test("GET /openapi.json documents every route with the request schemas", async () => {
  using t = await testApp();
  const { status, body } = await t.call("GET", "/openapi.json");
  assert.equal(status, 200);
  assert.equal(body.openapi, "3.1.0");
  for (
    const path of ["/v1/runs", "/v1/runs/{id}", "/v1/runs/{id}/losses", "/v1/runs/{id}/replay"]
  ) {
    assert.ok(body.paths[path], `missing ${path}`);
  }
  assert.deepEqual(body.paths["/v1/runs"].post.requestBody.content["application/json"].schema, {
    $ref: "#/components/schemas/RunDefinition",
  });
  const create = body.components.schemas.RunDefinition;
  assert.ok(create.properties.adalrs.properties.alpha);
  const losses =
    body.paths["/v1/runs/{id}/losses"].post.requestBody.content["application/json"].schema;
  assert.deepEqual(losses.required.sort(), ["fromStep", "losses"]);
});

Deno.test("GET /docs serves an HTML page naming every route; /health answers", async () => {
  using t = await testApp();
  const { status, body, res } = await t.call("GET", "/docs");
  assert.equal(status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/html/);
  assert.match(body, /POST \/v1\/runs\/\{id\}\/losses/);
  assert.match(body, /validationFraction/, "the run definition's schema is shown, not its $ref");
  assert.deepEqual((await t.call("GET", "/health")).body, { ok: true });
  assert.equal((await t.call("GET", "/nowhere")).status, 404);
});
