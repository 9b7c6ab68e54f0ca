import assert from "node:assert/strict";
import { gaussian, hash32, mulberry32, pairHash, seedWords } from "../../src/random/mod.ts";

// Recorded runs depend on these exact numbers (batches, initial weights, synthetic noise, the load
// test's aborts): the values below were produced by the three copies this module replaced.

Deno.test("hash32() and seedWords() give the values recorded runs were drawn with", () => {
  assert.deepEqual([hash32(), hash32(0), hash32(1, 2, 3), hash32(0x7472616e, 5)], [
    2654435769,
    493009611,
    2901138804,
    2501580275,
  ]);
  assert.deepEqual(seedWords(2 ** 40 + 7), [7, 256]);
  assert.throws(() => seedWords(0.5), /^RangeError: Seed must be a safe integer, got 0.5$/);
});

Deno.test("mulberry32() yields the same stream for the same state", () => {
  const random = mulberry32(hash32(...seedWords(2 ** 40 + 7), 3));
  assert.deepEqual([random(), random(), random()], [
    0.35780071443878114,
    0.4875743421725929,
    0.3941170366015285,
  ]);
});

Deno.test("gaussian() is a pure function of (seed, step), as the synthetic noise was", () => {
  assert.deepEqual([gaussian(0, 0), gaussian(0, 1), gaussian(7, 123456)], [
    -1.0009159115740796,
    0.3843504800525977,
    -1.352792928941381,
  ]);
  assert.notEqual(pairHash(1, 2), hash32(1, 2), "two hashes, each kept for what it recorded");
});
