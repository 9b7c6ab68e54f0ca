import assert from "node:assert/strict";
import { ADALRS_DEFAULTS, CONTROLLER_REVISION } from "../../src/adalrs/mod.ts";
import { RunDefinitionSchema } from "../../src/events/mod.ts";

const external = (adalrs: Record<string, unknown>, steps = 3000) =>
  RunDefinitionSchema.parse({
    mode: "external",
    training: { steps },
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

Deno.test("a short run that sets no window settles as long as a long one: at least 100 steps", () => {
  const short = external({}, 1500);
  assert.deepEqual([short.window, short.settle], [37, 3], "3 settling windows of 37 steps");
  assert.deepEqual([external({}, 1000).window, external({}, 1000).settle], [25, 4]);
  // At the default window of 50 and above, 2 windows already cover 100 steps.
  assert.equal(external({}, 3000).settle, 2);
  // A window or a settle the definition sets is the user's: settle stays as given or at 2.
  assert.equal(external({ window: 37 }, 1500).settle, 2);
  assert.equal(external({ settle: 1 }, 1500).settle, 1);
  // Older revisions settled 2 windows whatever the window (revision 2: one).
  assert.equal(external({ revision: 6 }, 1500).settle, 2);
  assert.equal(external({ revision: 2 }, 1500).settle, 1);
  // A definition without any `adalrs` (the Python helper's) resolves as `{}` does.
  const bare = RunDefinitionSchema.parse({
    mode: "external",
    training: { steps: 1500 },
    optimizer: { lr: 1e-3 },
  }).adalrs;
  assert.deepEqual(bare, short);
});
