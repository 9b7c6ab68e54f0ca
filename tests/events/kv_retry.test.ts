import assert from "node:assert/strict";
import { retryLocked } from "../../src/events/mod.ts";

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
