/**
 * Paired verdicts on cooled branches (`compare: "cooldown"`, opt-in): each branch is saved after its
 * window at its own LR, cooled for one window, and the two cooldowns' second halves are compared
 * batch for batch.
 */
import assert from "node:assert/strict";
import { ADALRS_DEFAULTS, currentLr, heldSnapshots } from "../../src/adalrs/mod.ts";
import { given, line, pairedSetup, PEAK, shifted } from "./_given.ts";

const COOLED_SETTINGS = {
  revision: 5,
  downscaleAfterSearch: false,
  repeatDownscale: true,
  downscaleOnTie: true,
  compare: "cooldown",
  stopWhenBracketed: false,
} as const;
const COOLED = line(0.25, 1.5);
/** An upscale trial (trigger at window 1) up to its verdict: trial window, cooldown, control. */
const untilControlCooldown = () =>
  given(
    pairedSetup(COOLED_SETTINGS),
    line(0.5, 3),
    line(0.25, 2),
    line(0.5, 1.8),
    COOLED,
    line(0.5, 1.8),
  );

Deno.test("settled branches stay the default: cooled verdicts are opt-in", () => {
  assert.equal(ADALRS_DEFAULTS.compare, "settled");
});

Deno.test("a cooled trial saves each branch before its cooldown, ramps the LR down and rewinds the batches", () => {
  const trial = given(pairedSetup(COOLED_SETTINGS), line(0.5, 3), line(0.25, 2));
  const cool = trial.when(line(0.5, 1.8));
  cool.then({ rule: "trial-cooldown", mAfter: 3, action: { kind: "snapshot", snapshotId: "s1t" } });
  const cooling = cool.scenario.state;
  assert.deepEqual(heldSnapshots(cooling), ["s1", "s1t"]);
  // From the trial LR towards zero, (k - i) / k at the cooldown's i-th step.
  const lrs = [15, 16, 17, 18, 19].map((nextStep) => currentLr({ ...cooling, nextStep }) / PEAK);
  assert.deepEqual(lrs.map((x) => +x.toFixed(12)), [3, 2.4, 1.8, 1.2, 0.6]);

  const branch = cool.scenario.when(COOLED);
  branch.then({ rule: "trial-branch", mAfter: 1, action: { kind: "restore", snapshotId: "s1" } });
  // The control branch reruns the trial window's and the cooldown's batches: 10 steps back.
  assert.equal(branch.scenario.state.dataOffset, 10);
  const control = branch.scenario.when(line(0.5, 1.8));
  control.then({
    rule: "control-cooldown",
    mAfter: 1,
    action: { kind: "snapshot", snapshotId: "s1c" },
  });
  assert.deepEqual(heldSnapshots(control.scenario.state), ["s1c", "s1t"]);
  assert.equal(currentLr({ ...control.scenario.state, nextStep: 26 }) / PEAK, 0.8);
});

Deno.test("a cooled verdict reads the cooldowns' second half: the trial branch ahead there is kept", () => {
  const control = untilControlCooldown();
  // The control branch's cooldown ends 0.125 above the trial branch's over its last two batches.
  const kept = control.when(shifted(COOLED, [0, 0, 0, 0.125, 0.125]));
  const decision = kept.then({
    rule: "trial-accept",
    mAfter: 3,
    action: { kind: "restore", snapshotId: "s1t" },
  });
  assert.deepEqual(
    decision.paired,
    { difference: -0.125, e: 0, k: 2, trialFrom: 10, controlFrom: 20, cooldown: 5 },
  );
  assert.deepEqual(heldSnapshots(kept.scenario.state), []);
  // A control branch far behind only in the cooldown's first half, where each branch still runs
  // near its own LR, is a tie: the control branch goes on from where it was saved.
  const tie = control.when(shifted(COOLED, [0.5, 0.5, 0.5, 0, 0]));
  tie.then({ rule: "trial-revert", mAfter: 1, action: { kind: "restore", snapshotId: "s1c" } });
  assert.equal(tie.scenario.state.previous, null, "the cooldown ran at no LR that goes on");
});

Deno.test("a cooled upscale that loses tries the downscale from the saved control branch", () => {
  const reject = untilControlCooldown().when(shifted(COOLED, [-0.125]));
  reject.then({
    rule: "trial-reject",
    mAfter: 0.5,
    action: { kind: "restore", snapshotId: "s1c" },
  });
  const state = reject.scenario.state;
  assert.equal(state.trial?.stage === "running" && state.trial.snapshotId, "s1c");
  assert.deepEqual(heldSnapshots(state), ["s1c"]);
  // The downscale's own branches are saved under the snapshot it started from.
  reject.scenario.when(line(0.25, 1.6)).then({
    rule: "trial-cooldown",
    action: { kind: "snapshot", snapshotId: "s1ct" },
  });
});

Deno.test("a non-finite loss in the control branch's cooldown restores the saved control branch", () => {
  // The pre-trial snapshot was freed when the control branch was saved: it cannot be restored.
  const failed = untilControlCooldown().when([1.5, NaN, 1.4, 1.3, 1.2]);
  failed.then({
    rule: "non-finite-restore",
    mAfter: 0.5,
    action: { kind: "restore", snapshotId: "s1c" },
  });
  assert.deepEqual(heldSnapshots(failed.scenario.state), []);
});
