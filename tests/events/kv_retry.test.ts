import assert from "node:assert/strict";
import {
  CONFLICT,
  ConflictRetriesExhausted,
  retryConflicts,
  retryLocked,
} from "../../src/events/mod.ts";

Deno.test("retryLocked() retries while SQLite says the database is locked", async () => {
  let calls = 0;
  const value = await retryLocked(() => {
    calls++;
    return calls < 4 ? Promise.reject(new TypeError("database is locked")) : Promise.resolve(42);
  });
  assert.equal(value, 42);
  assert.equal(calls, 4);
});

Deno.test("retryLocked() rethrows any other error at once", async () => {
  let calls = 0;
  await assert.rejects(
    () => retryLocked(() => (calls++, Promise.reject(new Error("value too large")))),
    /value too large/,
  );
  assert.equal(calls, 1);
});

Deno.test("retryConflicts() tries again while the attempt conflicts, then returns its result", async () => {
  let calls = 0;
  const value = await retryConflicts("Appending", () => {
    calls++;
    return Promise.resolve(calls < 3 ? CONFLICT : "won");
  }, { attempts: 5 });
  assert.equal(value, "won");
  assert.equal(calls, 3);
});

Deno.test("retryConflicts() gives up after N conflicts with an error naming the write", async () => {
  let calls = 0;
  const err = await retryConflicts(
    "Cancelling run r1",
    () => (calls++, Promise.resolve(CONFLICT)),
    {
      attempts: 4,
    },
  ).catch((e) => e);
  assert.ok(err instanceof ConflictRetriesExhausted);
  assert.equal(err.attempts, 4);
  assert.match(err.message, /^Cancelling run r1: gave up after 4 attempts/);
  assert.equal(calls, 4);
});

Deno.test("retryConflicts() never retries an error the attempt throws", async () => {
  let calls = 0;
  await assert.rejects(
    () => retryConflicts("Appending", () => (calls++, Promise.reject(new Error("disk full")))),
    /disk full/,
  );
  assert.equal(calls, 1);
});

Deno.test("retryConflicts() refuses a number of attempts below 1", async () => {
  await assert.rejects(
    () => retryConflicts("Appending", () => Promise.resolve(1), { attempts: 0 }),
    /attempts must be a positive integer, got 0/,
  );
});

Deno.test("retryConflicts() makes concurrent checked increments on Deno KV all land", async () => {
  const kv = await Deno.openKv(":memory:");
  const increment = () =>
    retryConflicts("Counting", async () => {
      const head = await kv.get<number>(["n"]);
      const commit = await kv.atomic().check(head).set(["n"], (head.value ?? 0) + 1).commit();
      return commit.ok ? true : CONFLICT;
    }, { attempts: 50 });
  await Promise.all(Array.from({ length: 10 }, increment));
  assert.equal((await kv.get<number>(["n"])).value, 10);
  kv.close();
});
