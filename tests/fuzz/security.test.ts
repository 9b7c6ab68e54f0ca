import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_BODY_BYTES } from "../../src/api/body_limits.ts";
import { assertRefusedCleanly, before, FC, hostileString, snapshot } from "./_hostile.ts";
import { EXTERNAL, world } from "./_world.ts";

const TOKEN = "s3cret-token-of-some-length";

/** Every write route with a body it would accept. */
function writes(ids: { external: string; cancelled: string }) {
  return [
    ["/v1/runs", JSON.stringify(EXTERNAL)],
    [`/v1/runs/${ids.external}/losses`, JSON.stringify({ fromStep: 30, losses: [1] })],
    [`/v1/runs/${ids.external}/cancel`, "{}"],
    [`/v1/runs/${ids.external}/replay`, "{}"],
  ] as const;
}

Deno.test("with ADALRS_TOKEN every write route refuses a missing or wrong token and stores nothing", async () => {
  using w = await world(TOKEN);
  const wrong = [
    undefined,
    "",
    "Bearer",
    "Bearer ",
    `Basic ${TOKEN}`,
    `Bearer ${TOKEN.slice(0, -1)}x`,
    `Bearer ${TOKEN}x`,
    `Bearer ${TOKEN.slice(1)}`,
    TOKEN,
    `Bearer  ${TOKEN} extra`,
  ];
  for (const [path, body] of writes(w)) {
    for (const header of wrong) {
      const was = await before(w.store);
      const headers: Record<string, string> = header === undefined ? {} : { authorization: header };
      const res = await w.send("POST", path, body, headers);
      assert.equal(res.status, 401, `${path} with ${header}`);
      await assertRefusedCleanly(res, was, w.store, [401]);
    }
  }
  // Reads stay open; the right token opens every write (cancel last: it ends the run).
  assert.equal((await w.send("GET", `/v1/runs/${w.external}`)).status, 200);
  const statuses = [];
  for (const [path, body] of writes(w)) {
    statuses.push((await w.send("POST", path, body, { authorization: `Bearer ${TOKEN}` })).status);
  }
  assert.deepEqual(statuses, [201, 200, 200, 200]);
});

Deno.test("fuzz Authorization headers: only the exact bearer token writes", async () => {
  using w = await world(TOKEN);
  const header = fc.oneof(
    hostileString.map((s) => s.replace(/[^\x20-\x7e]/g, "")),
    hostileString.map((s) => `Bearer ${s.replace(/[^\x21-\x7e]/g, "")}`),
    fc.nat({ max: TOKEN.length - 1 }).map((i) => `Bearer ${TOKEN.slice(0, i)}`),
  );
  await fc.assert(
    fc.asyncProperty(header, async (value) => {
      fc.pre(value !== `Bearer ${TOKEN}`);
      const was = await before(w.store);
      const res = await w.send("POST", "/v1/runs", JSON.stringify(EXTERNAL), {
        authorization: value,
      });
      await assertRefusedCleanly(res, was, w.store, [401]);
    }),
    FC,
  );
});

Deno.test("bodies over the limit are refused with 413, declared or streamed without a length", async () => {
  using w = await world();
  const was = await snapshot(w.store);
  const declared = await w.send("POST", "/v1/runs", "x".repeat(MAX_BODY_BYTES + 1));
  assert.equal(declared.status, 413);
  assert.match((await declared.json()).error.message, /over the 262144-byte limit/);
  // A chunked body has no content-length: it must be cut off, not buffered whole.
  let pulled = 0;
  const chunk = new TextEncoder().encode(" ".repeat(64 * 1024));
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (++pulled > 1000) controller.close();
      else controller.enqueue(chunk);
    },
  });
  const res = await w.app.request(`/v1/runs/${w.external}/losses`, {
    method: "POST",
    body: stream,
    headers: { "content-type": "application/json" },
  });
  assert.equal(res.status, 413);
  assert.ok(pulled < 10, `read ${pulled} chunks of a body already past the limit`);
  assert.equal(await snapshot(w.store), was);
});

Deno.test("a definition too large to leave room for its window is refused at creation with 413", async () => {
  using w = await world();
  const tags: Record<string, string> = {};
  for (let i = 0; i < 20; i++) tags[`${"標".repeat(60)}${i}`] = "語".repeat(500);
  const training = { steps: 5000 };
  const definition = {
    ...EXTERNAL,
    training,
    name: "名".repeat(200),
    tags,
    adalrs: { window: 1024 },
  };
  const was = await snapshot(w.store);
  const res = await w.send("POST", "/v1/runs", JSON.stringify(definition));
  assert.equal(res.status, 413);
  assert.match((await res.json()).error.message, /leaves no room for a window of 1024 losses/);
  assert.equal(await snapshot(w.store), was);
  // The same tags with a small window fit, and the run takes a whole window of long losses.
  const small = await w.send(
    "POST",
    "/v1/runs",
    JSON.stringify({ ...definition, adalrs: { window: 256 } }),
  );
  assert.equal(small.status, 201);
  const { id } = await small.json();
  const losses = Array.from({ length: 255 }, (_, i) => -2.2250738585072014e-308 * (1.1 + i));
  const posted = await w.send(
    "POST",
    `/v1/runs/${id}/losses`,
    JSON.stringify({ fromStep: 0, losses }),
  );
  assert.equal(posted.status, 200);
});

Deno.test("errors never carry a stack trace, even an internal one", async () => {
  const w = await world();
  w.store.kv.close();
  const res = await w.send("GET", `/v1/runs/${w.external}`);
  const text = await res.text();
  assert.equal(res.status, 500);
  assert.deepEqual(JSON.parse(text), {
    error: { status: 500, message: "Internal error; see the service log" },
  });
});
