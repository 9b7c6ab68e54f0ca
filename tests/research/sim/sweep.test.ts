import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { ADALRS_DEFAULTS } from "../../../src/adalrs/mod.ts";
import { CS336_SCHEDULE, sweepBench } from "../../../src/research/sim/benches.ts";
import { simulateRun } from "../../../src/research/sim/run.ts";
import {
  CS336_SWEEP_DIR,
  loadSweep,
  parseSweepLog,
  type SweepCurve,
} from "../../../src/research/sim/sweep_log.ts";
import { buildSweepModel, sweepFloor, sweepSpeed } from "../../../src/research/sim/sweep_model.ts";
import { sweepTrainer } from "../../../src/research/sim/sweep_trainer.ts";
import { gaussian } from "../../../src/random/mod.ts";

Deno.test("parseSweepLog() keeps training lines, sorted by step, and skips the rest", () => {
  const text = [
    '{"step": 20, "train_loss": 4.5, "lr": 0.002}',
    "",
    '{"step": 10, "wallclock": 1.2, "train_loss": 5, "lr": 0.001, "step_time_ms": 300}',
    '{"step": 20, "val_loss": 4.7}',
  ].join("\n");
  assert.deepEqual(parseSweepLog(text, 3e-3), {
    peakLr: 3e-3,
    steps: [10, 20],
    losses: [5, 4.5],
    lrs: [0.001, 0.002],
  });
  assert.throws(() => parseSweepLog('{"train_loss": 1}', 1), /Line 1 has a train_loss/);
});

/** Two toy runs: 1e-3 falls 0.002 a step all the way; 1e-2 falls 0.001 a step, then stalls. */
function toyCurves(noise = 0): SweepCurve[] {
  const steps = Array.from({ length: 100 }, (_, i) => 10 * (i + 1));
  const jitter = (s: number) => noise * gaussian(7, s);
  return [
    {
      peakLr: 1e-2,
      steps,
      losses: steps.map((s) => 5 - 0.001 * Math.min(s, 500) + jitter(s)),
      lrs: steps.map(() => 1e-2),
    },
    {
      peakLr: 1e-3,
      steps,
      losses: steps.map((s) => 5 - 0.002 * s + jitter(s)),
      lrs: steps.map(() => 1e-3),
    },
  ];
}

Deno.test("buildSweepModel() reads each run's speed at a loss level off its first passage", () => {
  const model = buildSweepModel(toyCurves());
  assert.equal(model.initialLoss, 4.98);
  assert.deepEqual(model.curves.map((c) => c.peakLr), [1e-3, 1e-2]);
  const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 2e-5, `${a} vs ${b}`);
  near(sweepSpeed(model, 4, 1e-3), 0.002);
  near(sweepSpeed(model, 4.7, 1e-2), 0.001);
  // Below the level a run ever reached, no speed; between runs, linear in log LR.
  assert.equal(sweepSpeed(model, 4, 1e-2), 0);
  near(sweepSpeed(model, 4.7, Math.sqrt(1e-5)), 0.0015);
  near(sweepSpeed(model, 4.7, 1e-4), 0.0002);
  near(sweepSpeed(model, 4.7, 1), 0.001);
});

Deno.test("sweepFloor() is the lowest loss seen at that LR or above", () => {
  const model = buildSweepModel(toyCurves());
  assert.equal(sweepFloor(model, 1e-2), 4.5);
  assert.equal(sweepFloor(model, 0.5), 4.5);
  assert.equal(sweepFloor(model, 5e-3), 4.5);
  assert.ok(Math.abs(sweepFloor(model, 1e-3) - 3) < 1e-9);
  assert.ok(Math.abs(sweepFloor(model, 0) - 3) < 1e-9);
});

Deno.test("buildSweepModel() estimates the per-step noise from the runs' own scatter", () => {
  assert.ok(buildSweepModel(toyCurves()).noise < 1e-9);
  const noise = buildSweepModel(toyCurves(0.05), { noiseFrom: 0 }).noise;
  assert.ok(noise > 0.04 && noise < 0.06, `noise ${noise}`);
});

Deno.test("sweepTrainer() retraces a run at its own LR and climbs back up to an LR's floor", () => {
  const model = buildSweepModel(toyCurves());
  const trainer = sweepTrainer(model, 0, 0);
  let state = trainer.start();
  for (let t = 0; t < 1000; t++) state = trainer.step(state, t, 1e-3, 1e-3).state;
  assert.ok(Math.abs(trainer.evalLoss(state) - 3) < 0.03, `ended at ${state.loss}`);
  // At loss 3, an LR of 1e-2 never saw less than 4.5: the loss rises towards it.
  const up = trainer.step({ loss: 3 }, 0, 1e-2, 1e-2).state.loss;
  assert.equal(up, 3 + model.relax * 1.5);
  // Noise depends on (seed, step) only.
  const noisy = sweepTrainer(model, 3);
  assert.equal(
    noisy.step({ loss: 4 }, 5, 1e-3, 1e-3).loss,
    noisy.step({ loss: 4 }, 5, 1e-3, 1e-3).loss,
  );
});

Deno.test(
  "the cs336 sweep model retraces the real runs' final training losses at fixed LRs",
  async () => {
    // Missing data fails here, naming what is missing: a skipped test would pass CI unseen.
    const probe = `${CS336_SWEEP_DIR}/lr_sweep_1e-3/metrics.jsonl`;
    assert.ok(
      existsSync(probe),
      `the cs336 LR sweep logs are missing (${probe} from ${Deno.cwd()}): this test needs ` +
        "shared/real-logs checked out beside the repository, as CI has it",
    );
    const curves = await loadSweep();
    assert.deepEqual(curves.map((c) => c.peakLr), [
      1e-4,
      3e-4,
      1e-3,
      3e-3,
      1e-2,
      3e-2,
      1e-1,
      3e-1,
      1,
    ]);
    const model = buildSweepModel(curves);
    assert.ok(model.noise > 0.05 && model.noise < 0.09, `noise ${model.noise}`);
    const bench = sweepBench(model, 0);
    assert.deepEqual(bench.setup.schedule, CS336_SCHEDULE);
    const final = (lr: number) =>
      simulateRun(bench.trainer(0), {
        ...bench.setup,
        peakLr: lr,
        adalrs: { ...ADALRS_DEFAULTS, enabled: false },
      }).finalLoss;
    // Against each real run's median training loss over its last 20 logged steps.
    for (const curve of curves.filter((c) => c.peakLr >= 1e-4 && c.peakLr <= 1e-1)) {
      const last = curve.losses.slice(-20).sort((a, b) => a - b);
      const real = (last[9] + last[10]) / 2;
      const sim = final(curve.peakLr);
      assert.ok(Math.abs(sim - real) < 0.05, `${curve.peakLr}: simulated ${sim}, real ${real}`);
    }
    // Its best fixed LR is 1e-3, the basin flat to 3e-3 (within 0.025).
    for (const lr of [3e-4, 3e-3, 1e-2]) assert.ok(final(lr) > final(1e-3), `${lr}`);
    assert.ok(final(3e-3) - final(1e-3) < 0.025);
  },
);
