/**
 * Stopping a blown-up upscale (`abortRise`, opt-in): a trial window that stands far above the
 * trigger window is rejected at once, and no upscale is tried again from that LR or above.
 */
import assert from "node:assert/strict";
import { ADALRS_DEFAULTS, heldSnapshots } from "../../src/adalrs/mod.ts";
import { given, line, pairedSetup, Scenario } from "./_given.ts";

const ABORTING = {
  revision: 6,
  downscaleAfterSearch: false,
  repeatDownscale: true,
  downscaleOnTie: true,
  stopWhenBracketed: false,
  abortRise: 0.25,
} as const;
const TRIGGER = line(0.25, 2);
/** Observe, then a slowed window (mean 2) that starts an upscale trial from snapshot s1. */
const upscale = (searchEnd = 1) =>
  given(pairedSetup({ ...ABORTING, searchEnd }), line(0.5, 3), TRIGGER);

Deno.test("aborting stays opt-in: the default decides as revision 5 did", () => {
  assert.equal(ADALRS_DEFAULTS.abortRise, 0);
  // With the setting off, the same blown-up window is settled and compared as before.
  given(pairedSetup({ ...ABORTING, abortRise: 0 }), line(0.5, 3), TRIGGER)
    .when(line(0.5, 3))
    .then({ rule: "trial-return", mAfter: 1 });
});

Deno.test("an upscale window that rose beyond abortRise is rejected at once and its batches run again as the downscale trial", () => {
  const aborted = upscale().when(line(0.5, 3));
  const decision = aborted.then({
    rule: "trial-abort",
    mBefore: 3,
    mAfter: 0.5,
    action: { kind: "restore", snapshotId: "s1" },
  });
  assert.equal(decision.reference?.mean, 2);
  assert.equal(decision.trial?.mean, 3, "the evidence: the trial window that rose 50%");
  const state = aborted.scenario.state;
  // The downscale trial starts from the same snapshot, on the trial window's batches.
  assert.equal(state.dataOffset, 5);
  assert.deepEqual(state.trial && { stage: state.trial.stage, direction: state.trial.direction }, {
    stage: "running",
    direction: "down",
  });
  assert.deepEqual(heldSnapshots(state), ["s1"]);
  assert.equal(state.ceiling, 1);
  assert.equal(state.n, 1, "an abort counts as an adjustment, like a lost upscale");
});

Deno.test("a rise within abortRise is settled and compared as usual", () => {
  upscale().when(line(0.5, 2.5)).then({ rule: "trial-return", mAfter: 1 });
});

Deno.test("after the search phase an aborted upscale goes back to the old LR, untried below", () => {
  // The trigger ends at step 10, inside the phase (12 of 1,000 steps); the trial window after it.
  const aborted = upscale(0.012).when(line(0.5, 3));
  aborted.then({
    rule: "trial-abort",
    mAfter: 1,
    action: { kind: "restore", snapshotId: "s1" },
  });
  const state = aborted.scenario.state;
  assert.equal(state.trial, null);
  assert.deepEqual(heldSnapshots(state), []);
  assert.deepEqual(state.previous?.mean, 2, "restored to just after the trigger window");
});

Deno.test("no upscale starts again from the LR that blew up or above; below it, one may", () => {
  const first = given(pairedSetup(ABORTING), line(0.5, 3));
  const at = (m: number) => new Scenario({ ...first.state, m, ceiling: 1 }, []);
  at(1).when(TRIGGER).then({ rule: "ceiling", mAfter: 1, action: { kind: "continue" } });
  at(2).when(TRIGGER).then({ rule: "ceiling", mAfter: 2 });
  at(0.5).when(TRIGGER).then({ rule: "upscale-trial", mAfter: 1.5 });
});
