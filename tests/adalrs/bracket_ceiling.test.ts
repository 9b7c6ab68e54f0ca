/**
 * A ceiling from a bracket (`bracketCeiling`, revision 10): an upscale lost, the downscale after it
 * was not kept, and the upscale lost clearly more. No upscale is tried again from that LR or above.
 */
import assert from "node:assert/strict";
import { type AdalrsConfig, revisionSettings } from "../../src/adalrs/mod.ts";
import { given, line, noisy, pairedSetup, Scenario, shifted } from "./_given.ts";

const SETTLED = line(0.25, 1.5);
const DOWN = line(0.25, 1.5);

/**
 * An upscale from m = 1 that loses by `upBehind`, then its downscale trial to 0.5, whose branch
 * stands `downLosses` (against {@link DOWN} in the control branch); returns the state after the
 * downscale's verdict.
 */
function bracket(upBehind: number, downLosses: number[], adalrs: Partial<AdalrsConfig> = {}) {
  const config = pairedSetup({
    revision: 10,
    stopWhenBracketed: false,
    bracketCeiling: true,
    ...adalrs,
  });
  const control = given(
    config,
    line(0.5, 3),
    line(0.25, 2),
    line(0.5, 1.75),
    SETTLED,
    line(0.5, 1.8),
  );
  const rejected = control.when(shifted(SETTLED, [-upBehind]));
  rejected.then({ rule: "trial-reject", mAfter: 0.5 });
  // The downscale trial: its window, a settling window (the compared one), the control branch.
  const branch = rejected.scenario.when(line(0.25, 1.6)).scenario.when(downLosses);
  return branch.scenario.when(line(0.25, 1.5)).scenario.when(DOWN);
}

Deno.test("bracketCeiling: an upscale that lost clearly more than its downscale is not tried again from that LR", () => {
  // Up lost by 0.25, down by 0.125 (no error: straight lines), so the best LR is at or just below.
  const verdict = bracket(0.25, shifted(DOWN, [0.125]));
  const decision = verdict.then({ rule: "trial-revert", mAfter: 1 });
  assert.equal(decision.paired?.difference, 0.125);
  assert.deepEqual(decision.paired?.lostUpscale, { difference: 0.25, e: 0 }, "the evidence");
  assert.equal(verdict.scenario.state.ceiling, 1);
  // A slowdown that would start the next upscale: held under the ceiling.
  const slowed = verdict.scenario.when(line(0.5, 1.2)).scenario.when(line(0.25, 1.0));
  slowed.then({ rule: "ceiling", mBefore: 1, mAfter: 1, action: { kind: "continue" } });
});

Deno.test("bracketCeiling: a downscale that lost as much or more leaves upscales free", () => {
  // Down lost by 0.375 against the upscale's 0.25: the best LR may lie above.
  const verdict = bracket(0.25, shifted(DOWN, [0.375]));
  verdict.then({ rule: "trial-revert", mAfter: 1 });
  assert.equal(verdict.scenario.state.ceiling, null);
  verdict.scenario.when(line(0.5, 1.2)).scenario.when(line(0.25, 1.0))
    .then({ rule: "upscale-trial", mBefore: 1 });
});

Deno.test("bracketCeiling: a gap inside the two verdicts' errors sets no ceiling", () => {
  // The downscale's differences are 0.4, -0.1, 0.4, -0.1, 0.4: behind by 0.2, beyond its error
  // (sd 0.274 / √5 = 0.122), but only 0.05 less than the upscale's 0.25, inside the sum of the
  // errors (0 + 0.122).
  const verdict = bracket(0.25, noisy(0.25, 0.25, 1.5 + 0.15));
  const decision = verdict.then({ rule: "trial-revert", mAfter: 1 });
  assert.ok(Math.abs(decision.paired!.difference - 0.2) < 1e-12);
  assert.ok(Math.abs(decision.paired!.e - Math.sqrt(0.075 / 5)) < 1e-12);
  assert.equal(verdict.scenario.state.ceiling, null);
});

Deno.test("bracketCeiling off (revision 9 and before): the same bracket retries the upscale, and the evidence is as before", () => {
  assert.equal(revisionSettings(9).bracketCeiling, false);
  assert.equal(revisionSettings(10).bracketCeiling, undefined, "today's revision: the default");
  const verdict = bracket(0.25, shifted(DOWN, [0.125]), { revision: 9, bracketCeiling: false });
  const decision = verdict.then({ rule: "trial-revert", mAfter: 1 });
  assert.equal(decision.paired?.lostUpscale, undefined);
  assert.equal(verdict.scenario.state.ceiling, null);
  const next = verdict.scenario.when(line(0.5, 1.2)).scenario.when(line(0.25, 1.0));
  next.then({ rule: "upscale-trial", mBefore: 1 });
});

Deno.test("bracketCeiling: below the ceiling, an upscale may start again", () => {
  const verdict = bracket(0.25, shifted(DOWN, [0.125]));
  // The loss rises over two windows: the LR comes down by β', under the ceiling of m = 1.
  const rising = verdict.scenario.when(line(-0.5, 1.2)).scenario.when(line(-0.5, 1.4));
  rising.then({ rule: "rise-downscale", mBefore: 1 });
  const below = rising.scenario.state.m;
  assert.ok(below < 1);
  const after = new Scenario(rising.scenario.state, []).when(line(0.5, 1.3)).scenario;
  after.when(line(0.25, 1.2)).then({ rule: "upscale-trial", mBefore: below });
});
