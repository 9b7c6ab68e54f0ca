/**
 * Hostile inputs for the fuzz suites: strings that try path traversal, NUL bytes and odd unicode,
 * numbers at and past the edges, JSON that is almost valid, and a snapshot of the whole store to
 * prove that a refused request changed nothing.
 *
 * @module
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import type { EventStore } from "../../src/events/mod.ts";

/** Seed and run counts shared by every property: deterministic, and quick on two cores. */
export const FC = { seed: 20250607, numRuns: 300 } as const;

/** Strings a path segment, a name, a key or a file name should never be fooled by. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "..",
    "../",
    "../../etc/passwd",
    "..%2f..%2f",
    "%2e%2e",
    "%2e%2e%2f%2e%2e",
    "..\\..\\windows",
    "\u0000",
    "a\u0000b",
    "%00",
    "%zz",
    "%",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "__proto__",
    "constructor",
    "r0",
    "r".repeat(65),
    "x".repeat(3000),
    "🦀🦀",
    "\u202e\u0301",
    "名前",
    "\ud800",
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** Numbers where validation goes wrong: fractions, negatives, past 2^53, overflow, -0. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(-1, -0, 0.5, -0.5, 1e-320, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 1e21),
  fc.integer({ min: -5, max: 50 }),
  fc.double({ noNaN: false }),
);

/** Any JSON-ish value, including the wrong types for every field. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileNumber,
  hostileString,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/**
 * Text that is JSON, nearly JSON, or JSON with the tokens Python writes (`NaN`, `Infinity`), or
 * with numbers that overflow a double (`1e400`).
 */
export function jsonish(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    value.map((v) => JSON.stringify(v) ?? "null"),
    fc.tuple(value, fc.nat()).map(([v, cut]) => {
      const text = JSON.stringify(v) ?? "";
      return text.slice(0, text.length === 0 ? 0 : cut % text.length);
    }),
    fc.tuple(value, fc.constantFrom("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "01")).map(
      ([v, token]) => (JSON.stringify(v) ?? "null").replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/, token),
    ),
    fc.constantFrom("", "{", "}", "[]", "null", '{"a":}', "\u0000", '{"fromStep":0,"losses":[1,]}'),
  );
}

/** Percent-encodes the UTF-8 bytes of any string (a lone surrogate becomes U+FFFD, as a client would send it). */
export function percentEncode(text: string): string {
  return [...new TextEncoder().encode(text)].map((b) =>
    /[A-Za-z0-9_.~-]/.test(String.fromCharCode(b))
      ? String.fromCharCode(b)
      : `%${b.toString(16).padStart(2, "0")}`
  ).join("");
}

/** A path segment as a client might send it: percent-encoded, or raw where a URL allows. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  hostileString.map(percentEncode),
  fc.constantFrom("..", "%2e%2e", "%2E%2E%2F", "..%2F..%2F", "%00", "a%00b", "%zz", "%", "%c0%af"),
);

/** Every key and value in the store, to compare before and after a request. */
export async function snapshot(store: EventStore): Promise<string> {
  const entries = await Array.fromAsync(store.kv.list({ prefix: [] }));
  return JSON.stringify(entries.map((e) => [e.key, e.value]));
}

/** Every stored event, keyed by its KV key: events are append-only, so these never change. */
export async function eventEntries(store: EventStore): Promise<Map<string, string>> {
  const entries = await Array.fromAsync(store.kv.list({ prefix: ["event"] }));
  return new Map(entries.map((e) => [JSON.stringify(e.key), JSON.stringify(e.value)]));
}

/**
 * What every answer to a hostile request must be: not a 5xx, JSON errors with a message and no
 * stack trace, and, for an error, no change at all to the store.
 */
export async function assertRefusedCleanly(
  res: Response,
  before: { all: string; events: Map<string, string> },
  store: EventStore,
  allowed: number[],
): Promise<void> {
  const text = await res.text();
  assert.ok(res.status < 500, `status ${res.status}: ${text.slice(0, 300)}`);
  assert.ok(allowed.includes(res.status), `unexpected status ${res.status}: ${text.slice(0, 300)}`);
  assert.doesNotMatch(text, /\bat .*\.(ts|js):\d+|node_modules|file:\/\//, "a stack trace leaked");
  if (res.status >= 400) {
    const body = JSON.parse(text);
    assert.equal(body.error.status, res.status);
    assert.ok(typeof body.error.message === "string" && body.error.message.length > 0);
    assert.equal(await snapshot(store), before.all, "a refused request changed the store");
  } else {
    const after = await eventEntries(store);
    for (const [key, value] of before.events) {
      assert.equal(after.get(key), value, `stored event ${key} changed`);
    }
  }
}

/** Takes both snapshots {@linkcode assertRefusedCleanly} compares against. */
export async function before(store: EventStore) {
  return { all: await snapshot(store), events: await eventEntries(store) };
}
