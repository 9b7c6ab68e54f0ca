import assert from "node:assert/strict";
import { driveSyntheticRun } from "../../scripts/synthetic_trainer.ts";
import { testApp } from "../_fixtures.ts";

// The acceptance check of the external-trainer protocol: a trainer whose best LR is known,
// started 10x below and 10x above it, ends within a factor of 3, and replay agrees exactly.
for (const start of [0.1, 10]) {
  Deno.test(`A synthetic external trainer started at ${start}x its optimum ends within 3x of it`, async () => {
    using t = await testApp();
    for (const seed of [1, 2, 3]) {
      const result = await driveSyntheticRun(
        (url, init) => t.app.request(url, init),
        "http://localhost",
        { start, steps: 3000, window: 50, seed, schedule: "constant" },
      );
      assert.ok(
        result.ratio > 1 / 3 && result.ratio < 3,
        `seed ${seed}: ended at ${result.ratio}x`,
      );
      assert.equal(result.different, 0);
      assert.equal(result.identical, result.decisions);
    }
  });
}
