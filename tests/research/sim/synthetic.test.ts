import assert from "node:assert/strict";
import {
  ACCEPTANCE,
  runSynthetic,
  syntheticTrainer,
} from "../../../src/research/sim/synthetic_run.ts";
import { gaussian } from "../../../src/random/mod.ts";
import {
  descentRate,
  SYNTHETIC_DEFAULTS,
  syntheticStart,
  syntheticStep,
} from "../../../src/synthetic/mod.ts";

const config = { ...SYNTHETIC_DEFAULTS, noise: 0 };
const rate = (factor: number) => descentRate(config, config.optimumLr * factor) / config.rate;

Deno.test("descentRate() peaks at the optimum, only slows below it, turns negative far above", () => {
  assert.equal(rate(1), 1);
  const factors = [1e-3, 0.01, 0.1, 1 / 3, 1, 3, 10, 30, 100];
  const rates = factors.map(rate);
  for (let i = 1; i < factors.length; i++) {
    const rising = factors[i] <= 1;
    assert.ok(rising ? rates[i] > rates[i - 1] : rates[i] < rates[i - 1], `at ${factors[i]}x`);
  }
  assert.ok(rate(1e-3) > 0);
  assert.ok(Math.abs(rate(10 ** config.width)) < 1e-12, "descent stops `width` decades above");
  assert.ok(rate(30) < 0);
  // Costs of a 3x and 10x error, as docs/controller.md states them.
  assert.ok(rate(1 / 3) > 0.55 && rate(1 / 3) < 0.65 && rate(3) > 0.75 && rate(3) < 0.85);
  assert.ok(rate(0.1) > 0.2 && rate(0.1) < 0.3 && rate(10) > 0.15 && rate(10) < 0.25);
});

Deno.test("syntheticStep() at the optimum halves the gap in 300 steps and falls as a power", () => {
  let state = syntheticStart(config);
  for (let t = 0; t < 300; t++) state = syntheticStep(config, state, t, config.optimumLr).state;
  assert.ok(Math.abs(state.gap - 1.5) < 1e-9, `gap ${state.gap}`);
  for (let t = 300; t < 2400; t++) state = syntheticStep(config, state, t, config.optimumLr).state;
  assert.ok(Math.abs(state.gap - 0.6) < 1e-9, `gap ${state.gap}`);
});

Deno.test("the same steps at a fixed LR end lowest at the optimum", () => {
  const final = (factor: number) => {
    let s = syntheticStart(config);
    for (let t = 0; t < 1000; t++) s = syntheticStep(config, s, t, config.optimumLr * factor).state;
    return s.gap;
  };
  const gaps = [0.1, 0.5, 1, 2, 10].map(final);
  assert.ok(gaps[2] < gaps[1] && gaps[1] < gaps[0] && gaps[2] < gaps[3] && gaps[3] < gaps[4]);
  assert.ok(final(100) > 3, "far above the optimum the loss rises above its start");
});

Deno.test("synthetic noise is a pure function of (seed, step), near-standard normal", () => {
  assert.equal(gaussian(1, 5), gaussian(1, 5));
  assert.notEqual(gaussian(1, 5), gaussian(2, 5));
  const xs = Array.from({ length: 20_000 }, (_, t) => gaussian(3, t));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  assert.ok(Math.abs(mean) < 0.03 && Math.abs(sd - 1) < 0.03, `mean ${mean} sd ${sd}`);
  const trainer = syntheticTrainer({ ...SYNTHETIC_DEFAULTS, seed: 4 });
  const s = trainer.start();
  assert.equal(trainer.step(s, 9, 1e-3, 1e-3).loss, trainer.step(s, 9, 1e-3, 1e-3).loss);
});

Deno.test("runSynthetic() from 10x below and 10x above ends within 3x of the optimum", () => {
  for (const start of [0.1, 10]) {
    for (let seed = 0; seed < 8; seed++) {
      const run = runSynthetic(start, seed);
      assert.ok(run.ratio > 1 / 3 && run.ratio < 3, `start ${start}x seed ${seed}: ${run.ratio}x`);
      assert.equal(run.setup.totalSteps, ACCEPTANCE.totalSteps);
      assert.ok(run.decisions.some((d) => d.rule === "trial-accept" || d.rule === "trial-restore"));
    }
  }
});

Deno.test("runSynthetic() is deterministic and honours its overrides", () => {
  assert.deepStrictEqual(runSynthetic(0.1, 3), runSynthetic(0.1, 3));
  const off = runSynthetic(0.1, 3, { adalrs: { enabled: false }, totalSteps: 500 });
  assert.equal(off.ratio, 0.1);
  assert.equal(off.decisions.length, 500 / off.setup.adalrs.window);
});
