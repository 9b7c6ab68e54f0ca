import assert from "node:assert/strict";
import { type SimTrainer, simulateRun } from "../../../src/research/sim/run.ts";
import { formatTable, studyRow, summarise } from "../../../src/research/sim/study.ts";
import { syntheticBench } from "../../../src/research/sim/benches.ts";
import { syntheticTrainer } from "../../../src/research/sim/synthetic_run.ts";
import { SYNTHETIC_DEFAULTS, type SyntheticState } from "../../../src/synthetic/mod.ts";
import { ADALRS_DEFAULTS } from "../../../src/adalrs/mod.ts";
import { SCHEDULE_DEFAULTS } from "../../../src/schedule/mod.ts";

Deno.test("simulateRun() feeds every step's LR and applies snapshots and restores", () => {
  const inner = syntheticTrainer({ ...SYNTHETIC_DEFAULTS, seed: 2 });
  const seen: { step: number; lr: number; state: SyntheticState }[] = [];
  const trainer: SimTrainer<SyntheticState> = {
    ...inner,
    step(state, step, lr, peakLr) {
      seen.push({ step, lr, state });
      return inner.step(state, step, lr, peakLr);
    },
  };
  const setup = {
    adalrs: { ...ADALRS_DEFAULTS, trial: "sequential" as const },
    schedule: { ...SCHEDULE_DEFAULTS, kind: "constant" as const },
    peakLr: 1e-2,
    totalSteps: 3000,
  };
  const run = simulateRun(trainer, setup);
  assert.equal(seen.length, 3000);
  assert.deepEqual(seen.map((s) => s.step), Array.from({ length: 3000 }, (_, t) => t));
  const restores = run.decisions.filter((d) => d.action.kind === "restore");
  assert.ok(restores.length > 0, "a run from 10x above restores at least once");
  for (const d of run.decisions) {
    // The LR each decision announced is the LR of the next step.
    if (d.nextStep < 3000) assert.equal(seen[d.nextStep].lr, d.lr);
    if (d.action.kind !== "restore") continue;
    const id = d.action.snapshotId;
    const taken = run.decisions.find((x) =>
      x.action.kind === "snapshot" && x.action.snapshotId === id
    )!;
    // The state the step after a restore starts from is the one the snapshot saved.
    assert.equal(seen[d.nextStep].state, seen[taken.nextStep].state);
  }
  assert.equal(run.finalPeakLr, run.finalM * 1e-2);
});

Deno.test("simulateRun() runs a paired trial's control branch on the trial branch's batches", () => {
  const inner = syntheticTrainer({ ...SYNTHETIC_DEFAULTS, seed: 3 });
  const seen: { step: number; state: SyntheticState }[] = [];
  const trainer: SimTrainer<SyntheticState> = {
    ...inner,
    step(state, step, lr, peakLr) {
      const out = inner.step(state, step, lr, peakLr);
      seen.push({ step, state: out.state });
      return out;
    },
  };
  const setup = {
    adalrs: { ...ADALRS_DEFAULTS, trial: "paired" as const, window: 40 },
    schedule: { ...SCHEDULE_DEFAULTS, kind: "constant" as const },
    peakLr: 1e-4,
    totalSteps: 3000,
  };
  const run = simulateRun(trainer, setup);
  assert.equal(seen.length, 3000, "one call per compute step");
  const branches = run.decisions.filter((d) => d.action.kind === "branch");
  assert.ok(branches.length > 0, "a run from 10x below tries an upscale");
  for (const d of branches) {
    // The control branch starts where the trial branch did, on the same data steps, until its
    // verdict (which may come before it has replayed the whole trial branch: `earlyAccept`).
    const verdict = run.decisions.find((v) => v.index > d.index && v.paired)!;
    const control = verdict.nextStep - d.nextStep;
    const trialStart = d.nextStep - (1 + ADALRS_DEFAULTS.settle) * 40;
    assert.deepEqual(
      seen.slice(d.nextStep, verdict.nextStep).map((s) => s.step),
      seen.slice(trialStart, trialStart + control).map((s) => s.step),
    );
  }
  assert.ok(
    run.decisions.some((v) => v.paired?.settleWindow === 1),
    "an upscale far ahead is kept before its control branch ends",
  );
  const accepted = run.decisions.filter((d) => d.rule === "trial-accept");
  assert.ok(accepted.length > 0 && accepted.every((d) => d.action.kind === "restore"));
  for (const d of accepted) {
    // The state after the verdict is the trial branch's last state, saved at the branch.
    const branch = branches.find((b) =>
      b.action.kind === "branch" && d.action.kind === "restore" &&
      b.action.saveAs === d.action.snapshotId
    )!;
    assert.equal(seen[d.nextStep].step, seen[branch.nextStep - 1].step + 1);
  }
  assert.ok(run.finalM > 3, `climbed from 10x below: m ${run.finalM}`);
});

Deno.test("studyRow() and formatTable() summarise seeds against fixed-LR runs", () => {
  const bench = syntheticBench(600);
  const row = studyRow(bench, { window: 20 }, 0.1, [1, 2], "w20");
  assert.equal(row.ratios.length, 2);
  assert.ok(row.fixedStart > row.fixedOptimum, "a 10x too small LR ends higher");
  const s = summarise(row);
  assert.ok(s.ratioMin <= s.ratioGeo && s.ratioGeo <= s.ratioMax);
  assert.equal(s.vsStart, s.loss - row.fixedStart);
  const table = formatTable([row]).split("\n");
  assert.equal(table.length, 3);
  assert.match(table[2], /^\| synthetic \| w20 \| 0\.1x \| /);
});
