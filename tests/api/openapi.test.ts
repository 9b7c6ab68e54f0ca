import assert from "node:assert/strict";
import { ROUTE_DOCS as ROUTES } from "../../src/api/mod.ts";
import { testApp } from "../_fixtures.ts";

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> };
};

/** Hono's `/v1/runs/:id` as OpenAPI writes it: `/v1/runs/{id}`. */
const openApiPath = (path: string) =>
  (path.replace(/:(\w+)/g, "{$1}").replace(/(.)\/$/, "$1")) || "/";

Deno.test("openapi.json: every route the app serves is documented, and nothing else", async () => {
  using t = await testApp();
  const doc = (await t.call("GET", "/openapi.json")).body as Doc;
  const served = new Set(
    t.app.routes.filter((r) => r.method !== "ALL").map((r) =>
      `${r.method.toLowerCase()} ${openApiPath(r.path)}`
    ),
  );
  const documented = new Set(
    Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`)
    ),
  );
  assert.deepEqual([...served].sort(), [...documented].sort());
});

Deno.test("openapi.json: every response has a schema, every $ref resolves, writes carry bearer", async () => {
  using t = await testApp();
  const doc = (await t.call("GET", "/openapi.json")).body as Doc;
  const refs = JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g);
  for (const [, name] of refs) assert.ok(doc.components.schemas[name], `unresolved ${name}`);
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const where = `${method} ${path}`;
      const responses = op.responses as Record<string, { content: Record<string, unknown> }>;
      for (const [code, response] of Object.entries(responses)) {
        const [media] = Object.values(response.content ?? {}) as { schema?: unknown }[];
        assert.ok(media?.schema, `${where} ${code} has no schema`);
      }
      assert.deepEqual(op.security, method === "post" ? [{ bearer: [] }] : [], where);
      if (method === "post") assert.ok(responses["401"], `${where} lacks its 401`);
    }
  }
  const headers = (path: string, method: string) =>
    (doc.paths[path][method].parameters as { in: string; name: string }[])
      .filter((p) => p.in === "header").map((p) => p.name);
  assert.deepEqual(headers("/v1/runs/{id}/losses", "post"), ["Idempotency-Key"]);
  assert.deepEqual(headers("/v1/runs/{id}/events/stream", "get"), ["Last-Event-ID"]);
});

Deno.test("openapi: the answers of a whole external run parse with the documented schemas", async () => {
  using t = await testApp({ token: "secret" });
  const auth = { authorization: "Bearer secret" };
  let checked = 0;
  /** Calls a route and parses its answer with the schema documented for the status it got. */
  const call = async (
    method: "get" | "post",
    doc: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = method === "post" ? auth : {},
  ) => {
    const route = ROUTES.find((r) => r.method === method && r.path === doc);
    assert.ok(route, `${method} ${doc} is not documented`);
    const answer = await t.call(method.toUpperCase(), path, body, headers);
    const response = route.responses[String(answer.status)];
    assert.ok(response, `${method} ${doc} answered ${answer.status}, which is not documented`);
    if (response.contentType === undefined) {
      const parsed = response.schema.safeParse(answer.body);
      assert.ok(parsed.success, `${method} ${doc} ${answer.status}: ${parsed.error?.message}`);
      checked++;
    }
    return answer;
  };
  const definition = {
    mode: "external",
    training: { steps: 30 },
    optimizer: { lr: 0.01 },
    schedule: { kind: "constant" },
    adalrs: { window: 5, searchStart: 0, searchEnd: 1 },
  };
  assert.equal((await call("post", "/v1/runs", "/v1/runs", definition, {})).status, 401);
  const { id } = (await call("post", "/v1/runs", "/v1/runs", definition)).body;
  assert.equal((await call("post", "/v1/runs", "/v1/runs", { training: {} })).status, 400);
  const losses = `/v1/runs/${id}/losses`;
  for (let step = 0; step < 30; step += 5) {
    // Slowing, then speeding up: trials, so that decisions carry references and actions.
    const slope = [0.5, 0.1, 0.4, 0.05, 0.3, 0.3][step / 5];
    const window = [0, 1, 2, 3, 4].map((i) => 10 - step * 0.1 - slope * i + (i % 2) * 0.01);
    const answer = await call("post", "/v1/runs/{id}/losses", losses, {
      fromStep: step,
      losses: window,
      valLoss: 9,
    });
    assert.equal(answer.status, 200);
  }
  assert.equal(
    (await call("post", "/v1/runs/{id}/losses", losses, { fromStep: 0, losses: [1] }))
      .status,
    409,
  );
  assert.equal((await call("get", "/v1/runs/{id}", "/v1/runs/nope")).status, 404);
  await call("get", "/v1/runs/{id}", `/v1/runs/${id}`);
  await call("get", "/v1/runs", "/v1/runs");
  await call("get", "/v1/runs/{id}/events", `/v1/runs/${id}/events?limit=3`);
  await call("get", "/v1/runs/{id}/events", `/v1/runs/${id}/events?limit=0`);
  await call("get", "/v1/runs/{id}/decisions", `/v1/runs/${id}/decisions`);
  await call("post", "/v1/runs/{id}/replay", `/v1/runs/${id}/replay`, {});
  await call("post", "/v1/runs/{id}/replay", `/v1/runs/${id}/replay`, { adalrs: { alpha: 2 } });
  await call("get", "/v1/runs/{id}/curves", `/v1/runs/${id}/curves`);
  await call("post", "/v1/runs/{id}/cancel", `/v1/runs/${id}/cancel`, {});
  await call("get", "/v1/examples", "/v1/examples");
  await call("get", "/health", "/health");
  assert.equal(checked, 22);
});
