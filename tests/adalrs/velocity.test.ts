import assert from "node:assert/strict";
import { velocity } from "../../src/adalrs/mod.ts";
import { line, noisy } from "./_given.ts";

Deno.test("velocity() of a straight line is its negated slope, with zero error", () => {
  assert.deepEqual(velocity([3, 2, 1]), { v: 1, se: 0, mean: 2 });
  assert.deepEqual(velocity(line(0.5)), { v: 0.5, se: 0, mean: 3 });
});

Deno.test("velocity() matches a hand-computed OLS fit and standard error", () => {
  // t̄ = 1.5, Σ(t-t̄)² = 5, mean 2.75, Σ(t-t̄)(y-ȳ) = 5.5: slope 1.1, so v = -1.1.
  // Residuals -0.1, 0.8, -1.3, 0.6: RSS 2.7, se = sqrt(2.7 / (4 - 2) / 5) = sqrt(0.27).
  const { v, se, mean } = velocity([1, 3, 2, 5]);
  assert.equal(mean, 2.75);
  assert.ok(Math.abs(v - -1.1) < 1e-12, `v = ${v}`);
  assert.ok(Math.abs(se - Math.sqrt(0.27)) < 1e-12, `se = ${se}`);
});

Deno.test("velocity() of a zigzag around a line keeps the line's slope; se = 0.4 d", () => {
  const { v, se } = velocity(noisy(0.25, 0.5));
  assert.equal(v, 0.25);
  assert.ok(Math.abs(se - 0.2) < 1e-12, `se = ${se}`);
});

Deno.test("velocity() of a rising loss is negative", () => {
  assert.equal(velocity([1, 2, 3, 4]).v, -1);
});

Deno.test("velocity() refuses fewer than three losses", () => {
  assert.throws(() => velocity([1, 2]), RangeError);
});
