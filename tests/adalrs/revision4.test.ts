/**
 * Revision 4's paired rules: the multiplier is frozen after the search phase, a kept downscale is
 * followed by another downscale trial, and a downscale trial that ties is kept.
 */
import assert from "node:assert/strict";
import { ADALRS_DEFAULTS } from "../../src/adalrs/mod.ts";
import { given, line, pairedSetup, Scenario, shifted } from "./_given.ts";

const REVISION_4 = {
  revision: 4,
  downscaleAfterSearch: false,
  repeatDownscale: true,
  downscaleOnTie: true,
} as const;
const SETTLED = line(0.25, 1.5);
/** Windows 0-4 of a paired upscale trial (trigger at window 1), up to its verdict window. */
const untilControl = (adalrs = {}) =>
  given(
    pairedSetup({ ...REVISION_4, stopWhenBracketed: false, ...adalrs }),
    line(0.5, 3),
    line(0.25, 2),
    line(0.5, 1.75),
    SETTLED,
    line(0.5, 1.8),
  );
/** The control branch ahead of the trial branch by 0.1 a batch: the upscale lost. */
const LOST = shifted(SETTLED, [-0.1]);

Deno.test("revision 4's rules stay the default: frozen after the search, downscales repeat, ties go down", () => {
  assert.equal(ADALRS_DEFAULTS.downscaleAfterSearch, false);
  assert.equal(ADALRS_DEFAULTS.repeatDownscale, true);
  assert.equal(ADALRS_DEFAULTS.downscaleOnTie, true);
});

Deno.test("an upscale that loses after the search phase stays on the control branch: no downscale trial", () => {
  // The trigger (steps 5-9) ends inside a 25-step search phase; the verdict (steps 25-29) after it.
  const late = untilControl({ searchEnd: 0.025 }).when(LOST);
  late.then({ rule: "trial-reject", mBefore: 1, mAfter: 1, action: { kind: "continue" } });
  assert.equal(late.scenario.state.trial, null);
  assert.equal(late.scenario.state.n, 1, "the rejection counts as an adjustment");
  // Revision 3 tried the downscale wherever the verdict fell.
  const old = untilControl({ searchEnd: 0.025, downscaleAfterSearch: true }).when(LOST);
  old.then({ rule: "trial-reject", mAfter: 0.5, action: { kind: "snapshot", snapshotId: "s5" } });
});

Deno.test("after a kept downscale the next trial is a downscale too, until one is not kept", () => {
  const reject = untilControl().when(LOST);
  // The downscale trial after it: trial window, settling window, branch, two control windows,
  // and the verdict: the downscale branch ahead by 0.125 a batch.
  const control = reject.scenario.when(line(0.25, 1.6)).scenario.when(line(0.25, 1.5)).scenario
    .when(line(0.25, 1.5)).scenario;
  const kept = control.when(shifted(line(0.25, 1.5), [0.125]));
  kept.then({ rule: "trial-accept", mAfter: 0.5 });
  assert.equal(kept.scenario.state.lastKept, "down");
  // The next slowdown tries the next step down (β' = 2 × 0.99², after two adjustments).
  const after = kept.scenario.when(line(0.5, 1.2)).scenario;
  const next = after.when(line(0.25, 1.0));
  next.then({ rule: "downscale-trial", mBefore: 0.5, mAfter: 0.5 / (2 * 0.99 ** 2) });
  // Revision 3 went back up: the upscale the run had just seen lose.
  const old = new Scenario(
    { ...after.state, setup: pairedSetup({ stopWhenBracketed: false }) },
    [],
  );
  old.when(line(0.25, 1.0)).then({ rule: "upscale-trial", mBefore: 0.5 });
  // A downscale that is not kept ends the streak: the slowdown after it tries an upscale.
  const down = next.scenario.when(line(0.25, 1.0)).scenario.when(line(0.25, 0.9)).scenario
    .when(line(0.25, 0.9)).scenario;
  const behind = down.when(shifted(line(0.25, 0.9), [-0.125]));
  behind.then({ rule: "trial-revert", mAfter: 0.5 });
  assert.equal(behind.scenario.state.lastKept, null);
  const later = behind.scenario.when(line(0.5, 0.6)).scenario;
  later.when(line(0.25, 0.5)).then({ rule: "upscale-trial", mBefore: 0.5 });
});

Deno.test("a downscale trial that ties with its control branch is kept; one clearly behind is not", () => {
  const reject = untilControl().when(LOST);
  const control = reject.scenario.when(line(0.25, 1.6)).scenario.when(line(0.25, 1.5)).scenario
    .when(line(0.25, 1.5)).scenario;
  // Differences trial - control = 0.25, -0.15, 0.25, -0.15, 0.25: mean 0.09 inside its error 0.098.
  const tie = shifted(line(0.25, 1.5), [-0.25, 0.15]);
  const kept = control.when(tie).then({
    rule: "trial-accept",
    mAfter: 0.5,
    action: { kind: "restore", snapshotId: "s5t" },
  });
  assert.ok(kept.paired!.difference > 0 && kept.paired!.difference <= kept.paired!.e);
  // Revision 3 went back to the old LR on the same evidence.
  const old = new Scenario({ ...control.state, setup: pairedSetup({ downscaleOnTie: false }) }, []);
  old.when(tie).then({ rule: "trial-revert", mAfter: 1 });
  control.when(shifted(line(0.25, 1.5), [-0.125])).then({ rule: "trial-revert", mAfter: 1 });
});
