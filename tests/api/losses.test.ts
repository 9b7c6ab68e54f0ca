import assert from "node:assert/strict";
import { testApp } from "../_fixtures.ts";

const external = (steps = 20, window = 5) => ({
  mode: "external",
  training: { steps },
  optimizer: { lr: 0.01 },
  schedule: { kind: "constant" },
  adalrs: { window, searchStart: 0, searchEnd: 1 },
});

async function externalRun(t: Awaited<ReturnType<typeof testApp>>, steps = 20, window = 5) {
  return (await t.call("POST", "/v1/runs", external(steps, window))).body.id as string;
}

Deno.test("POST losses answers the LR and action for the next step, deciding per window", async () => {
  using t = await testApp();
  const id = await externalRun(t);
  const part = await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 0, losses: [5, 4.9] });
  assert.equal(part.status, 200);
  assert.deepEqual(
    [part.body.nextStep, part.body.lr, part.body.decision, part.body.windowEndsAt],
    [2, 0.01, null, 4],
  );
  assert.deepEqual(part.body.action, { kind: "continue" });
  assert.equal(part.body.lrs.length, 3);
  const rest = await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: 2,
    losses: [4.8, 4.7, 4.6],
  });
  assert.equal(rest.body.decision.rule, "observe");
  assert.equal(rest.body.decision.window.fromStep, 0);
  assert.equal(rest.body.windowEndsAt, 9);
  const decisions = await t.call("GET", `/v1/runs/${id}/decisions`);
  assert.equal(decisions.body.decisions.length, 1);
});

Deno.test("POST losses: a gap or an overlap is 409 with the expected step; nothing is stored", async () => {
  using t = await testApp();
  const id = await externalRun(t);
  await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 0, losses: [5, 4.9] });
  const gap = await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 4, losses: [4] });
  assert.equal(gap.status, 409);
  assert.equal(gap.body.error.expectedStep, 2);
  assert.match(gap.body.error.message, /gap/);
  const overlap = await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 1, losses: [4] });
  assert.equal(overlap.status, 409);
  assert.match(overlap.body.error.message, /overlaps/);
  const past = await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 2, losses: [1, 1, 1, 1] });
  assert.equal(past.status, 409);
  assert.match(past.body.error.message, /at most 3 losses/);
  assert.equal((await t.store.read(id)).length, 2);
});

Deno.test("POST losses validates the body and lists every error", async () => {
  using t = await testApp();
  const id = await externalRun(t);
  const bad = await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: -1.5,
    losses: [],
    extra: 1,
  });
  assert.equal(bad.status, 400);
  const paths = bad.body.error.issues.map((i: { path: string }) => i.path).sort();
  assert.deepEqual(paths, ["(body)", "fromStep", "losses"]);
  assert.equal(
    (await t.call("POST", "/v1/runs/rnope/losses", { fromStep: 0, losses: [1] })).status,
    404,
  );
});

Deno.test("POST losses takes NaN as Python writes it, as a string, or as null, and never fits it", async () => {
  using t = await testApp();
  const id = await externalRun(t, 20, 5);
  const body = '{"fromStep": 0, "losses": [5, NaN, "Infinity", null, -Infinity]}';
  const res = await t.call("POST", `/v1/runs/${id}/losses`, body);
  assert.equal(res.status, 200);
  assert.equal(res.body.decision.rule, "non-finite-downscale");
  assert.equal(res.body.decision.window.stats, null);
  assert.equal(res.body.multiplier, 0.5);
  const [, recorded] = await t.store.read(id);
  assert.ok(recorded.type === "LossWindowRecorded");
  assert.deepEqual(recorded.data.losses, [5, "NaN", "Infinity", "NaN", "-Infinity"]);
});

Deno.test("POST losses with an idempotency key lands once; the retry gets the same answer", async () => {
  using t = await testApp();
  const id = await externalRun(t);
  const post = { fromStep: 0, losses: [5, 4, 3, 2, 1] };
  const first = await t.call("POST", `/v1/runs/${id}/losses`, post, { "idempotency-key": "w0" });
  const retry = await t.call("POST", `/v1/runs/${id}/losses`, post, { "idempotency-key": "w0" });
  assert.equal(retry.status, 200);
  assert.deepEqual(retry.body, first.body);
  assert.equal((await t.store.read(id)).length, 3);
});

Deno.test("POST losses refuses managed runs and completes an external run at its last step", async () => {
  using t = await testApp();
  const managed = await t.call("POST", "/v1/runs", {
    model: { kind: "synthetic" },
    training: { steps: 10 },
    optimizer: { lr: 1e-3 },
  });
  const refused = await t.call("POST", `/v1/runs/${managed.body.id}/losses`, {
    fromStep: 0,
    losses: [1],
  });
  assert.equal(refused.status, 409);
  const id = await externalRun(t, 5, 5);
  const done = await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: 0,
    losses: [5, 4, 3, 2, 1],
  });
  assert.equal(done.body.status, "completed");
  const after = await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 5, losses: [1] });
  assert.equal(after.status, 409);
  assert.match(after.body.error.message, /completed/);
});

/** Five losses through `mean`, falling by `v` a step. */
const line = (mean: number, v: number) => [2, 1, 0, -1, -2].map((i) => mean + v * i);

Deno.test("POST losses: a paired trial answers branch, rewinds dataStep and lists the snapshots to keep", async () => {
  using t = await testApp();
  const id = (await t.call("POST", "/v1/runs", {
    ...external(60, 5),
    adalrs: { window: 5, searchStart: 0, searchEnd: 1, settle: 1 },
  })).body.id as string;
  const post = async (fromStep: number, losses: number[]) =>
    (await t.call("POST", `/v1/runs/${id}/losses`, { fromStep, losses })).body;
  assert.deepEqual((await post(0, line(3, 0.5))).keep, []);
  const trial = await post(5, line(2, 0.25));
  assert.deepEqual(trial.action, { kind: "snapshot", snapshotId: "s1" });
  assert.deepEqual([trial.dataStep, trial.keep], [10, ["s1"]]);
  assert.equal((await post(10, line(1.8, 0.5))).decision.rule, "trial-return");
  const branch = await post(15, line(1.5, 0.25));
  assert.deepEqual(branch.action, { kind: "branch", snapshotId: "s1", saveAs: "s1t" });
  // Compute step 20 trains on the batch of step 10 again: the control branch.
  assert.deepEqual([branch.nextStep, branch.dataStep, branch.keep], [20, 10, ["s1", "s1t"]]);
  assert.equal((await post(20, line(1.8, 0.5))).decision.rule, "control-window");
  // The control branch's settling window ends 0.125 above the trial branch's: keep the trial.
  const verdict = await post(25, line(1.625, 0.25));
  assert.equal(verdict.decision.rule, "trial-accept");
  assert.deepEqual(verdict.action, { kind: "restore", snapshotId: "s1t" });
  assert.deepEqual([verdict.nextStep, verdict.dataStep, verdict.keep], [30, 20, []]);
  assert.equal(verdict.decision.paired.difference, -0.125);
});

Deno.test("POST losses: an upscale far ahead at its first settling window is kept there, and dataStep skips what its branch trained", async () => {
  using t = await testApp();
  // Today's defaults: settle 2, earlyAccept 2 (revision 8).
  const id = (await t.call("POST", "/v1/runs", {
    ...external(60, 5),
    adalrs: { window: 5, searchStart: 0, searchEnd: 1, settle: 2 },
  })).body.id as string;
  const post = async (fromStep: number, losses: number[]) =>
    (await t.call("POST", `/v1/runs/${id}/losses`, { fromStep, losses })).body;
  await post(0, line(3, 0.5));
  assert.deepEqual((await post(5, line(2, 0.25))).action, { kind: "snapshot", snapshotId: "s1" });
  await post(10, line(1.8, 0.5));
  assert.equal((await post(15, line(1.5, 0.25))).decision.rule, "trial-settle");
  const branch = await post(20, line(1.4, 0.25));
  assert.deepEqual([branch.nextStep, branch.dataStep, branch.keep], [25, 10, ["s1", "s1t"]]);
  assert.equal((await post(25, line(1.8, 0.5))).decision.rule, "control-window");
  // The control branch's second window, on the batches of the first settling window, ends 0.2
  // above it on every batch: the trial branch is kept now; its third window does not run.
  const verdict = await post(30, line(1.7, 0.25));
  assert.equal(verdict.decision.rule, "trial-accept");
  assert.equal(verdict.decision.paired.settleWindow, 1);
  assert.deepEqual(verdict.action, { kind: "restore", snapshotId: "s1t" });
  // The restored branch trained the batches of steps 10-24: the next step draws batch 25.
  assert.deepEqual([verdict.nextStep, verdict.dataStep, verdict.keep], [35, 25, []]);
});

Deno.test("POST losses: a cooled paired trial saves each branch, ramps its LRs down and restores the winner", async () => {
  using t = await testApp();
  const id = (await t.call("POST", "/v1/runs", {
    ...external(60, 5),
    adalrs: { window: 5, searchStart: 0, searchEnd: 1, compare: "cooldown" },
  })).body.id as string;
  const post = async (fromStep: number, losses: number[]) =>
    (await t.call("POST", `/v1/runs/${id}/losses`, { fromStep, losses })).body;
  await post(0, line(3, 0.5));
  assert.deepEqual((await post(5, line(2, 0.25))).action, { kind: "snapshot", snapshotId: "s1" });
  // The trial window at 3x: save the trial branch, then cool it from 3e-2 towards zero.
  const cool = await post(10, line(1.8, 0.5));
  assert.equal(cool.decision.rule, "trial-cooldown");
  assert.deepEqual(cool.action, { kind: "snapshot", snapshotId: "s1t" });
  assert.deepEqual(cool.keep, ["s1", "s1t"]);
  assert.deepEqual(cool.lrs.map((lr: number) => +lr.toFixed(6)), [
    3e-2,
    2.4e-2,
    1.8e-2,
    1.2e-2,
    6e-3,
  ]);
  // Cooled: back to the snapshot for the control branch, on the same batches, at the old LR.
  const control = await post(15, line(1.5, 0.25));
  assert.equal(control.decision.rule, "trial-branch");
  assert.deepEqual(control.action, { kind: "restore", snapshotId: "s1" });
  assert.deepEqual([control.nextStep, control.dataStep, control.lrs[0]], [20, 10, 1e-2]);
  const controlCool = await post(20, line(1.8, 0.5));
  assert.equal(controlCool.decision.rule, "control-cooldown");
  assert.deepEqual(controlCool.action, { kind: "snapshot", snapshotId: "s1c" });
  assert.deepEqual([controlCool.dataStep, controlCool.keep], [15, ["s1c", "s1t"]]);
  // The control branch's cooldown ends 0.125 above the trial branch's over its second half.
  const verdict = await post(25, line(1.5, 0.25).map((x, i) => i < 3 ? x : x + 0.125));
  assert.equal(verdict.decision.rule, "trial-accept");
  assert.deepEqual(verdict.action, { kind: "restore", snapshotId: "s1t" });
  assert.deepEqual(verdict.decision.paired.k, 2);
  assert.deepEqual([verdict.nextStep, verdict.dataStep, verdict.keep], [30, 20, []]);
  assert.equal(verdict.decision.mAfter, 3);
});

Deno.test("POST losses with refLosses: a controlVariate run fits against them, and replays them", async () => {
  using t = await testApp();
  const created = await t.call("POST", "/v1/runs", {
    ...external(20, 5),
    adalrs: { window: 5, searchStart: 0, searchEnd: 1, controlVariate: true },
  });
  const id = created.body.id as string;
  assert.equal(created.body.definition.adalrs.controlVariate, true);
  // Losses that follow each batch's difficulty, 0.5 to 1, on a descent of 0.05 a step.
  const refs = [2.3, 2.6, 2.2, 2.5, 2.4];
  const losses = refs.map((r, i) => 5 - 0.05 * i + 0.5 * (r - 2.4));
  const res = await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: 0,
    losses,
    refLosses: refs,
  });
  assert.equal(res.status, 200);
  const { stats } = res.body.decision.window;
  assert.ok(
    Math.abs(stats.v - 0.05) < 1e-9 && Math.abs(stats.c - 0.5) < 1e-9,
    JSON.stringify(stats),
  );
  const stored = (await t.store.read(id)).find((e) => e.type === "LossWindowRecorded");
  assert.deepEqual(stored?.type === "LossWindowRecorded" && stored.data.refLosses, refs);
  const replay = await t.call("POST", `/v1/runs/${id}/replay`, {});
  assert.deepEqual([replay.body.identical, replay.body.different], [1, 0]);
});

Deno.test("POST losses: refLosses not one finite number per loss is 422, and nothing is stored", async () => {
  using t = await testApp();
  const id = await externalRun(t);
  const short = await t.call("POST", `/v1/runs/${id}/losses`, {
    fromStep: 0,
    losses: [5, 4.9, 4.8],
    refLosses: [2.4, 2.5],
  });
  assert.equal(short.status, 422);
  assert.match(short.body.error.message, /refLosses has 2 values for 3 losses/);
  const text = '{"fromStep": 0, "losses": [5, 4.9], "refLosses": [2.4, "x"]}';
  assert.equal((await t.call("POST", `/v1/runs/${id}/losses`, text)).status, 400);
  assert.equal((await t.store.read(id)).length, 1, "only RunCreated");
  const ok = await t.call("POST", `/v1/runs/${id}/losses`, { fromStep: 0, losses: [5, 4.9] });
  assert.equal(ok.body.nextStep, 2, "the run takes the losses again");
});
