import assert from "node:assert/strict";
import { ADALRS_DEFAULTS, CONTROLLER_REVISION } from "../../src/adalrs/mod.ts";
import { RunDefinitionSchema } from "../../src/events/mod.ts";

const external = (adalrs: Record<string, unknown>) =>
  RunDefinitionSchema.parse({
    mode: "external",
    training: { steps: 3000 },
    optimizer: { lr: 1e-3 },
    adalrs,
  }).adalrs;

Deno.test("a new run records today's revision and today's defaults", () => {
  const adalrs = external({});
  assert.equal(adalrs.revision, CONTROLLER_REVISION);
  assert.deepEqual(adalrs, { ...ADALRS_DEFAULTS, window: 50 });
});

Deno.test("a new run that asks for an older revision gets its behaviour in what it leaves out", () => {
  const three = external({ revision: 3 });
  assert.deepEqual(
    [three.trial, three.downscaleAfterSearch, three.repeatDownscale, three.downscaleOnTie],
    ["paired", true, false, false],
  );
  assert.equal(three.compare, "settled");
  const two = external({ revision: 2 });
  assert.deepEqual([two.trial, two.settle, two.settleAt, two.climb], [
    "sequential",
    1,
    "old",
    false,
  ]);
  // What the definition sets is kept, whatever the revision.
  const mixed = external({ revision: 3, downscaleOnTie: true, compare: "cooldown" });
  assert.deepEqual([mixed.downscaleOnTie, mixed.compare, mixed.repeatDownscale], [
    true,
    "cooldown",
    false,
  ]);
});
