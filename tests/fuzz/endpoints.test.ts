import assert from "node:assert/strict";
import fc from "fast-check";
import {
  anyValue,
  assertRefusedCleanly,
  before,
  FC,
  hostileNumber,
  hostileSegment,
  hostileString,
  jsonish,
  percentEncode,
  snapshot,
} from "./_hostile.ts";
import { EXTERNAL, world } from "./_world.ts";

/** Paths into a run definition where a wrong value is planted. */
const DEFINITION_PATHS = [
  ["name"],
  ["mode"],
  ["tags"],
  ["training"],
  ["training", "steps"],
  ["training", "seed"],
  ["optimizer", "lr"],
  ["optimizer", "beta1"],
  ["schedule", "kind"],
  ["schedule", "warmupSteps"],
  ["adalrs", "window"],
  ["adalrs", "alpha"],
  ["adalrs", "reference"],
  ["adalrs", "searchEnd"],
  ["model"],
  ["model", "kind"],
  ["unknownField"],
  ["adalrs", "unknownField"],
];

function plant(base: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  let node = copy;
  for (const key of path.slice(0, -1)) {
    node[key] = typeof node[key] === "object" && node[key] !== null ? node[key] : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
  return copy;
}

Deno.test("fuzz POST /v1/runs: wrong types, huge numbers, unicode, unknown fields get a 400 listing issues", async () => {
  using w = await world();
  const definition = fc.oneof(
    fc.tuple(fc.constantFrom(...DEFINITION_PATHS), anyValue).map(([path, value]) =>
      JSON.stringify(plant(EXTERNAL, path, value))
    ),
    jsonish(anyValue),
    fc.dictionary(hostileString, hostileString, { maxKeys: 3 }).map((tags) =>
      JSON.stringify({ ...EXTERNAL, name: Object.values(tags).join("") || "x", tags })
    ),
  );
  await fc.assert(
    fc.asyncProperty(definition, async (body) => {
      const was = await before(w.store);
      const res = await w.send("POST", "/v1/runs", body);
      if (res.status === 400) {
        const { error } = await res.clone().json();
        assert.ok(error.issues === undefined || error.issues.length > 0);
        assert.match(error.message, /^Invalid run definition: /);
      }
      await assertRefusedCleanly(res, was, w.store, [201, 400, 413]);
    }),
    FC,
  );
});

Deno.test("fuzz GET routes: hostile ids, traversal and queries are 400 or 404, never 5xx", async () => {
  using w = await world();
  const id = fc.oneof(hostileSegment, fc.constantFrom(w.external, w.managed, w.cancelled));
  const query = fc.oneof(
    hostileString.map(percentEncode),
    hostileNumber.map(String),
    fc.constantFrom("", "1", "-1", "0", "1000", "1001", "9007199254740991", "1e3", "0x10"),
  );
  const route = fc.oneof(
    query.map((q) => `/v1/runs?limit=${q}`),
    fc.tuple(query, query).map(([a, b]) => `/v1/runs?limit=${a}&limit=${b}&extra=${b}`),
    id.map((i) => `/v1/runs/${i}`),
    fc.tuple(id, query, query).map(([i, a, l]) => `/v1/runs/${i}/events?after=${a}&limit=${l}`),
    fc.tuple(id, query).map(([i, q]) => `/v1/runs/${i}/events?${q}=1`),
    id.map((i) => `/v1/runs/${i}/decisions`),
  );
  await fc.assert(
    fc.asyncProperty(route, async (path) => {
      const was = await before(w.store);
      await assertRefusedCleanly(await w.send("GET", path), was, w.store, [200, 400, 404]);
    }),
    FC,
  );
});

Deno.test("fuzz POST /cancel and /replay: hostile ids, bodies and what-if overrides", async () => {
  using w = await world();
  const id = fc.oneof(hostileSegment, fc.constantFrom(w.external, w.cancelled));
  const overrides = fc.oneof(
    fc.record({
      window: fc.oneof(fc.integer({ min: 4, max: 40 }), hostileNumber),
      alpha: fc.oneof(fc.double({ min: 1, max: 5, noNaN: true }), anyValue),
      reference: fc.oneof(fc.constantFrom("trigger", "pair", "fresh", "bracket"), hostileString),
      searchStart: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), hostileNumber),
    }, { requiredKeys: [] }),
    fc.dictionary(hostileString, anyValue, { maxKeys: 2 }),
  );
  const call = fc.oneof(
    fc.tuple(id, jsonish(fc.record({ reason: anyValue }, { requiredKeys: [] }))).map((
      [i, body],
    ) => ["cancel", i, body]),
    fc.tuple(id, jsonish(fc.record({ adalrs: overrides }, { requiredKeys: [] }))).map((
      [i, body],
    ) => ["replay", i, body]),
  );
  await fc.assert(
    fc.asyncProperty(call, async ([what, runId, body]) => {
      // Keep the external run alive: a valid cancel would end it for every later case.
      const target = what === "cancel" && runId === w.external ? w.cancelled : runId;
      const was = await before(w.store);
      const res = await w.send("POST", `/v1/runs/${target}/${what}`, body);
      const allowed = what === "cancel" ? [400, 404, 409, 413] : [200, 400, 404];
      await assertRefusedCleanly(res, was, w.store, allowed);
      // A replay or what-if only reads, whatever it answered.
      if (what === "replay") assert.equal(await snapshot(w.store), was.all);
    }),
    FC,
  );
});

Deno.test("fuzz POST /losses: wrong types, NaN and Infinity, fractional and negative steps, huge keys", async () => {
  using w = await world();
  const loss = fc.oneof(
    fc.double(),
    fc.constantFrom("NaN", "Infinity", "-Infinity", "nan", "inf", null, "1.5", true, [], {}),
  );
  const key = fc.oneof(hostileString, fc.string({ minLength: 150, maxLength: 260 }));
  const body = fc.oneof(
    fc.record({
      fromStep: fc.oneof(fc.integer({ min: 28, max: 34 }), hostileNumber, anyValue),
      losses: fc.oneof(fc.array(loss, { maxLength: 8 }), anyValue),
      idempotencyKey: key,
      extra: anyValue,
    }, { requiredKeys: ["fromStep", "losses"] }).chain((b) => jsonish(fc.constant(b))),
    jsonish(anyValue),
  );
  const id = fc.oneof(hostileSegment, fc.constantFrom(w.external, w.managed, w.cancelled));
  const header = fc.option(key.map((k) => k.replace(/[^\x20-\x7e]/g, "")), { nil: undefined });
  await fc.assert(
    fc.asyncProperty(id, body, header, async (runId, text, keyHeader) => {
      const was = await before(w.store);
      const headers: Record<string, string> = keyHeader === undefined
        ? {}
        : { "idempotency-key": keyHeader };
      const res = await w.send("POST", `/v1/runs/${runId}/losses`, text, headers);
      await assertRefusedCleanly(res, was, w.store, [200, 400, 404, 409]);
    }),
    FC,
  );
});

Deno.test("fuzz other methods on every route: 404, never 5xx", async () => {
  using w = await world();
  const method = fc.constantFrom("PUT", "DELETE", "PATCH", "OPTIONS");
  const path = fc.constantFrom(
    "/v1/runs",
    `/v1/runs/${w.external}`,
    `/v1/runs/${w.external}/losses`,
    `/v1/runs/${w.external}/cancel`,
    `/v1/runs/${w.external}/events`,
    "/v1/runs/..%2F..%2Fetc",
  );
  await fc.assert(
    fc.asyncProperty(method, path, async (m, p) => {
      const was = await before(w.store);
      await assertRefusedCleanly(await w.send(m, p, "{}"), was, w.store, [404]);
    }),
    { ...FC, numRuns: 40 },
  );
});
