import assert from "node:assert/strict";
import { dataStep, heldSnapshots } from "../../src/adalrs/mod.ts";
import { given, line, pairedSetup, PEAK, Scenario, shifted } from "./_given.ts";

/** Windows 0-3 of a paired trial: observe, trigger (upscale), trial window, settling window. */
const SETTLED = line(0.25, 1.5);
const untilBranch = () =>
  given(pairedSetup(), line(0.5, 3), line(0.25, 2), line(0.5, 1.75)).when(SETTLED);
/** Windows 0-4: up to the control branch's last window, which the next window completes. */
const untilControl = (config = pairedSetup()) =>
  given(config, line(0.5, 3), line(0.25, 2), line(0.5, 1.75), SETTLED, line(0.5, 1.8));

Deno.test("paired: after the trial and settling windows, branch back to the snapshot and replay its batches", () => {
  const branch = untilBranch();
  branch.then({
    rule: "trial-branch",
    mBefore: 1,
    mAfter: 1,
    lr: PEAK,
    nextStep: 20,
    action: { kind: "branch", snapshotId: "s1", saveAs: "s1t" },
  });
  const state = branch.scenario.state;
  // Compute steps go on (the schedule follows them); the batches start again at the snapshot's.
  assert.equal(state.nextStep, 20);
  assert.equal(dataStep(state), 10);
  assert.deepEqual(heldSnapshots(state), ["s1", "s1t"]);
  const first = branch.scenario.when(line(0.5, 1.8)).then({ rule: "control-window", mAfter: 1 });
  assert.deepEqual(first.action, { kind: "continue" });
});

Deno.test("paired: the trial branch ahead of the control branch, batch for batch, is restored and kept", () => {
  const control = untilControl();
  const verdict = control.when(shifted(SETTLED, [0.125])).then({
    rule: "trial-accept",
    mBefore: 1,
    mAfter: 3,
    lr: 3 * PEAK,
    action: { kind: "restore", snapshotId: "s1t" },
  });
  assert.deepEqual(verdict.paired, {
    difference: -0.125,
    e: 0,
    k: 5,
    trialFrom: 10,
    controlFrom: 20,
  });
  const after = control.when(shifted(SETTLED, [0.125])).scenario.state;
  assert.deepEqual(heldSnapshots(after), []);
  // The trial branch's data position: the batches after its settling window.
  assert.equal(dataStep(after), 20);
});

Deno.test("paired: a lost upscale stays on the control branch and tries the downscale, which must win too", () => {
  const control = untilControl();
  const reject = control.when(shifted(SETTLED, [-0.1]));
  reject.then({
    rule: "trial-reject",
    mBefore: 1,
    mAfter: 0.5,
    // Revision 3 reports β' as the factor the LR is divided by.
    beta: 2,
    alpha: 3,
    action: { kind: "snapshot", snapshotId: "s5" },
  });
  assert.equal(reject.scenario.state.trial?.stage, "running");
  // The downscale trial: its window, then a settling window at the lower LR (settleAt "lower"),
  // the branch, the control branch: its first window at the old LR, then the lower one again.
  const returned = reject.scenario.when(line(0.25, 1.6));
  returned.then({ rule: "trial-return", mBefore: 0.5, mAfter: 0.5 });
  const down = returned.scenario.when(line(0.25, 1.5));
  down.then({
    rule: "trial-branch",
    mAfter: 1,
    action: { kind: "branch", snapshotId: "s5", saveAs: "s5t" },
  });
  const first = down.scenario.when(line(0.25, 1.5));
  first.then({ rule: "control-window", mBefore: 1, mAfter: 0.5 });
  const c1 = first.scenario;
  // The downscale branch ahead: kept. Behind: back to the old LR, no further trial.
  c1.when(shifted(line(0.25, 1.5), [0.125])).then({ rule: "trial-accept", mAfter: 0.5 });
  const behind = c1.when(shifted(line(0.25, 1.5), [-0.125]));
  behind.then({ rule: "trial-revert", mAfter: 1, action: { kind: "continue" } });
  assert.equal(behind.scenario.state.trial, null);
  // Bracketed: up lost, down did not win. A slowdown starts no more trials.
  assert.equal(behind.scenario.state.bracketed, true);
  const after = behind.scenario.when(line(0.5, 1.2)).scenario;
  after.when(line(0.25, 1.0)).then({ rule: "bracketed", mAfter: 1, action: { kind: "continue" } });
  // With stopWhenBracketed off, the same slowdown starts the next upscale trial.
  const unbounded = { ...after.state, setup: pairedSetup({ stopWhenBracketed: false }) };
  const next = new Scenario(unbounded, []).when(line(0.25, 1.0));
  next.then({ rule: "upscale-trial", mBefore: 1 });
});

Deno.test("paired: a difference inside the error reverts to the old LR on the control branch", () => {
  const control = untilControl();
  // Differences trial - control = 0.25, -0.15, 0.25, -0.15, 0.25: mean 0.09, error 0.098.
  const verdict = control.when(shifted(SETTLED, [-0.25, 0.15])).then({
    rule: "trial-revert",
    mAfter: 1,
    action: { kind: "continue" },
  });
  assert.ok(Math.abs(verdict.paired!.difference - 0.09) < 1e-12);
  assert.ok(verdict.paired!.e > 0.09);
});

Deno.test("climb: after an accepted trial the next window starts the next trial without waiting", () => {
  const config = pairedSetup({ climb: true });
  const control = untilControl(config);
  const accepted = control.when(shifted(SETTLED, [0.125])).scenario;
  // Faster than the window before: without climb, only an observation. α' = 0.99 × 3 (n = 1).
  accepted.when(line(0.5, 1.4)).then({
    rule: "upscale-trial",
    mBefore: 3,
    mAfter: 3 * 2.9699999999999998,
    action: { kind: "snapshot", snapshotId: "s6" },
  });
});

Deno.test("settle 2: two settling windows per branch; the verdict compares the last ones", () => {
  const config = pairedSetup({ settle: 2 });
  const trial = given(config, line(0.5, 3), line(0.25, 2), line(0.5, 1.75));
  // The first settling window is only run; the trial branch ends after the second.
  const settling = trial.when(line(0.25, 1.6));
  settling.then({ rule: "trial-settle", mAfter: 1, action: { kind: "continue" } });
  const branch = settling.scenario.when(SETTLED);
  branch.then({ rule: "trial-branch", nextStep: 25 });
  assert.equal(dataStep(branch.scenario.state), 10, "three windows replayed");
  const c2 = branch.scenario.when(line(0.5, 1.8)).scenario.when(line(0.25, 1.7));
  assert.equal(c2.decision!.rule, "control-window");
  const verdict = c2.scenario.when(shifted(SETTLED, [0.125])).then({
    rule: "trial-accept",
    mAfter: 3,
  });
  assert.deepEqual(
    [verdict.paired!.trialFrom, verdict.paired!.controlFrom, verdict.window.toStep],
    [10, 25, 39],
  );
});

Deno.test("settleAt 'old': a downscale trial's branches settle back at the old LR", () => {
  const config = pairedSetup({ settleAt: "old" });
  const control = untilControl(config);
  const reject = control.when(shifted(SETTLED, [-0.125]));
  reject.then({ rule: "trial-reject", mAfter: 0.5 });
  reject.scenario.when(line(0.25, 1.6)).then({ rule: "trial-return", mBefore: 0.5, mAfter: 1 });
});
