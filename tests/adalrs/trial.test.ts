import assert from "node:assert/strict";
import { given, line, noisy, PEAK, setup } from "./_given.ts";

const snapshot = { kind: "snapshot", snapshotId: "s1" } as const;
const restore = { kind: "restore", snapshotId: "s1" } as const;
const stats = (from: number, v: number, e: number, mean: number) => ({
  fromStep: from,
  toStep: from + 4,
  v,
  e,
  mean,
});

Deno.test("a slower window starts an upscale trial: snapshot, m *= α, judged against the trigger", () => {
  given(setup(), line(0.5, 3)).when(line(0.25, 2)).then({
    index: 1,
    rule: "upscale-trial",
    window: { fromStep: 5, toStep: 9, stats: stats(5, 0.25, 0, 2) },
    previous: stats(0, 0.5, 0, 3),
    reference: stats(5, 0.25, 0, 2),
    n: 0,
    alpha: 3,
    beta: 0.5,
    mBefore: 1,
    mAfter: 3,
    nextStep: 10,
    lr: 3 * PEAK,
    action: snapshot,
  });
});

Deno.test("a trial faster beyond the errors is accepted: the higher LR stays, n counts it", () => {
  const trial = given(setup(), line(0.5, 3), line(0.25, 2)).when(line(0.5, 1.5));
  trial.then({ rule: "trial-accept", mBefore: 3, mAfter: 3, n: 0, lr: 3 * PEAK });
  assert.deepEqual(trial.decision!.action, { kind: "continue" });
  assert.equal(trial.scenario.state.n, 1);
  assert.equal(trial.scenario.state.trial, null);
});

Deno.test("a trial slower beyond the errors restores the snapshot and sets m = m_prev * β'", () => {
  given(setup(), line(0.5, 3), line(0.25, 2)).when(line(0.125, 1.5)).then({
    rule: "trial-restore",
    mBefore: 3,
    mAfter: 0.5,
    beta: 0.5,
    lr: 0.5 * PEAK,
    action: restore,
  });
});

Deno.test("a trial within the summed errors reverts to m_prev and keeps the progress", () => {
  // Reference e_r = 0.1, trial e_t = 0.1: a difference of ±0.125 is inside e_r + e_t = 0.2,
  // though it is outside either error alone.
  const trigger = noisy(0.25, 0.25, 2);
  for (const v of [0.375, 0.125]) {
    const d = given(setup(), line(0.5, 3), trigger).when(noisy(v, 0.25, 1.5)).then({
      rule: "trial-revert",
      mAfter: 1,
      lr: PEAK,
      action: { kind: "continue" },
    });
    assert.ok(Math.abs(d.reference!.e - 0.1) < 1e-12);
  }
  // Beyond it, either way.
  given(setup(), line(0.5, 3), trigger).when(noisy(0.5, 0.25, 1.5)).then({ rule: "trial-accept" });
  given(setup(), line(0.5, 3), trigger).when(noisy(0, 0.25, 1.5)).then({ rule: "trial-restore" });
});

Deno.test("reference 'pair' averages the trigger and the window before it", () => {
  given(setup({ reference: "pair" }), line(0.5, 3)).when(line(0.25, 2)).then({
    rule: "upscale-trial",
    reference: { fromStep: 0, toStep: 9, v: 0.375, e: 0, mean: 2.5 },
  });
  // Errors of a mean of two: sqrt(e1² + e2²) / 2 = sqrt(0.2² + 0.1²) / 2.
  const d = given(setup({ reference: "pair" }), noisy(0.5, 0.5, 3)).when(noisy(0.25, 0.25, 2))
    .decision!;
  assert.ok(Math.abs(d.reference!.e - Math.sqrt(0.05) / 2) < 1e-12);
  // 0.4 is above the trigger's 0.25 but below the pair's 0.375 + 0: accepted.
  given(setup({ reference: "pair" }), line(0.5, 3), line(0.25, 2)).when(line(0.5, 1.5))
    .then({ rule: "trial-accept" });
  given(setup({ reference: "pair" }), line(0.5, 3), line(0.25, 2)).when(line(0.3125, 1.5))
    .then({ rule: "trial-restore" });
});

Deno.test("reference 'fresh' measures one more window at the old LR, then upscales", () => {
  const config = setup({ reference: "fresh" });
  const slowed = given(config, line(0.5, 3)).when(line(0.25, 2));
  slowed.then({ rule: "reference-window", mAfter: 1, lr: PEAK, action: { kind: "continue" } });
  // The fresh window needs no slowdown of its own; it becomes the reference.
  const trial = slowed.scenario.when(line(0.375, 1.5));
  trial.then({
    rule: "upscale-trial",
    mAfter: 3,
    reference: stats(10, 0.375, 0, 1.5),
    action: { kind: "snapshot", snapshotId: "s2" },
  });
  trial.scenario.when(line(0.5, 1)).then({
    rule: "trial-accept",
    reference: stats(10, 0.375, 0, 1.5),
  });
  trial.scenario.when(line(0.25, 1)).then({
    rule: "trial-restore",
    action: { kind: "restore", snapshotId: "s2" },
  });
});

Deno.test("reference 'bracket' returns to the old LR for one window, then judges on both sides", () => {
  const config = setup({ reference: "bracket" });
  const trial = given(config, line(0.5, 3)).when(line(0.25, 2));
  trial.then({
    rule: "upscale-trial",
    mAfter: 3,
    reference: stats(5, 0.25, 0, 2),
    action: snapshot,
  });
  const back = trial.scenario.when(line(0.5, 1.5));
  back.then({
    rule: "trial-return",
    mBefore: 3,
    mAfter: 1,
    lr: PEAK,
    n: 0,
    reference: stats(5, 0.25, 0, 2),
    action: { kind: "continue" },
  });
  assert.equal(back.scenario.state.trial?.stage, "closing");
  // After-window 0.25: reference (0.25 + 0.25) / 2 < trial 0.5: back up to the trial LR.
  back.scenario.when(line(0.25, 1)).then({
    rule: "trial-accept",
    mBefore: 1,
    mAfter: 3,
    lr: 3 * PEAK,
    reference: { fromStep: 5, toStep: 19, v: 0.25, e: 0, mean: 1.5 },
  });
  // After-window 1: reference 0.625 > 0.5: restore the snapshot taken before the trial.
  back.scenario.when(line(1, 1)).then({ rule: "trial-restore", mAfter: 0.5, action: restore });
  // After-window 0.75: reference 0.5, no difference: stay at the old LR.
  const revert = back.scenario.when(line(0.75, 1));
  revert.then({ rule: "trial-revert", mAfter: 1, action: { kind: "continue" } });
  assert.deepEqual(revert.scenario.state.previous, stats(15, 0.75, 0, 1));
  // A failed window at either stage restores.
  trial.scenario.when([1, 1, "NaN", 1, 1]).then({ rule: "non-finite-restore", action: restore });
  back.scenario.when([1, 1, "NaN", 1, 1]).then({ rule: "non-finite-restore", action: restore });
});

Deno.test("'bracket': a trial that leaves the loss above where it stood is a setback, however fast it fell", () => {
  // The trial spiked the loss and fell steeply back (v 1.5 against a reference of 0.375): velocity
  // alone would accept it. Back at the old LR the loss stands 0.1 above the trigger's mean.
  const config = setup({ reference: "bracket" });
  const back = given(config, line(0.5, 3), line(0.25, 2)).when(line(1.5, 2.5)).scenario;
  back.when(line(0.5, 2.1)).then({
    rule: "trial-setback",
    mBefore: 1,
    mAfter: 0.5,
    n: 0,
    lr: 0.5 * PEAK,
    reference: stats(5, 0.25, 0, 2),
    trial: stats(10, 1.5, 0, 2.5),
    action: restore,
  });
  assert.equal(back.when(line(0.5, 2.1)).scenario.state.n, 1);
  // Level errors: each window's mean is known to e·√((k² - 1)/12) = 0.1·√2 here, 0.28 together.
  const noisyBack = given(config, line(0.5, 3), noisy(0.25, 0.25, 2)).when(line(1.5, 2.5)).scenario;
  noisyBack.when(noisy(0.5, 0.25, 2.2)).then({ rule: "trial-accept", mAfter: 3 });
  noisyBack.when(noisy(0.5, 0.25, 2.4)).then({ rule: "trial-setback", mAfter: 0.5 });
});

Deno.test("'trigger-return' returns for one window, then judges against the trigger alone", () => {
  const config = setup({ reference: "trigger-return" });
  const back = given(config, line(0.5, 3), line(0.25, 2)).when(line(0.375, 1.75));
  back.then({ rule: "trial-return", mAfter: 1, reference: stats(5, 0.25, 0, 2) });
  // A fast return window (0.75) would make bracket's reference 0.5 > 0.375 (restore); the
  // trigger's 0.25 < 0.375 accepts.
  back.scenario.when(line(0.75, 1.5)).then({
    rule: "trial-accept",
    mAfter: 3,
    reference: stats(5, 0.25, 0, 2),
    trial: stats(10, 0.375, 0, 1.75),
  });
  given(setup({ reference: "bracket" }), line(0.5, 3), line(0.25, 2), line(0.375, 1.75))
    .when(line(0.75, 1.5)).then({ rule: "trial-restore" });
  // The setback check is the same as bracket's.
  back.scenario.when(line(0.5, 2.1)).then({ rule: "trial-setback", mAfter: 0.5, action: restore });
});

Deno.test("a trial is judged even when its window ends after the search phase", () => {
  // 100 steps, search [0, 0.2]: the trigger ends at step 19 (20 <= 20), the trial at step 24.
  const config = setup({ searchEnd: 0.2 }, 100);
  const trial = given(config, line(0.25, 5), line(0.375, 4.5), line(0.5, 4)).when(line(0.25, 3.5));
  trial.then({
    rule: "upscale-trial",
    window: { fromStep: 15, toStep: 19, stats: stats(15, 0.25, 0, 3.5) },
  });
  trial.scenario.when(line(1, 3)).then({ rule: "trial-accept", mAfter: 3 });
  trial.scenario.when(line(1, 3)).scenario.when(line(0.5, 2)).then({
    rule: "outside-search",
    mAfter: 3,
  });
});
