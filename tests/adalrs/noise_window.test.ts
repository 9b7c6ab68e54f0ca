/**
 * The search phase's window sized from the run's noise (`noiseWindow`, revision 11): the last
 * window before the phase sets the window and the settling windows of every one after it.
 */
import assert from "node:assert/strict";
import {
  ADALRS_DEFAULTS,
  type AdalrsConfig,
  decide,
  revisionSettings,
  sizeWindow,
  windowEnd,
  windowStats,
} from "../../src/adalrs/mod.ts";
import { RunDefinitionSchema } from "../../src/events/definition.ts";
import { given, noisy, pairedSetup, Scenario } from "./_given.ts";

/** `k` losses falling at `v` a step from `start` (the first loss), with a zigzag of ±`d` on top. */
function losses(k: number, v: number, d: number, start: number): number[] {
  return noisy(v, d, start - (v * (k - 1)) / 2, k);
}

/** The sizing of two consecutive windows of `k` losses falling at `v` with noise ±`d`. */
function sized(k: number, v: number, d: number, adalrs: Partial<AdalrsConfig> = {}) {
  const before = losses(k, v, d, 3);
  const last = losses(k, v, d, 3 - v * k);
  const config = { ...ADALRS_DEFAULTS, window: k, ...adalrs };
  const stats = (fromStep: number, ls: number[]) => windowStats(ls, null, fromStep, 1)!;
  return sizeWindow(config, stats(0, before), stats(k, last), last);
}

Deno.test("noiseWindow: a quieter descent gets a shorter window, and settles as many steps", () => {
  // Falling 0.002 a step: ±0.04 of noise needs 27 losses to measure it to within half, ±0.02 17.
  const loud = sized(50, 0.002, 0.04);
  const quiet = sized(50, 0.002, 0.02);
  assert.equal(loud.window, 27);
  assert.equal(quiet.window, 17);
  assert.ok(Math.abs(loud.v - 0.002) < 1e-12, "the velocity of the two windows' means");
  assert.ok(Math.abs(loud.noise - 0.04 * Math.sqrt(50 / 48)) < 1e-4, "the residual spread");
  // The settings ask for 2 settling windows of 50: 100 steps, whatever the window.
  assert.equal(loud.settle, 4);
  assert.equal(quiet.settle, 6);
  assert.equal(sized(50, 0.002, 0.02, { settle: 1 }).settle, 3, "50 steps: 3 windows of 17");
});

Deno.test("noiseWindow: the window stays between 10 losses and the configured one", () => {
  assert.equal(sized(50, 0.002, 0).window, 10, "no noise: the floor");
  assert.equal(sized(50, 0.002, 0.5).window, 50, "noise that would need 146 losses: the window");
  assert.equal(sized(50, 0, 0.04).window, 50, "no descent to measure: the window");
  assert.equal(sized(50, -0.001, 0.04).window, 50, "a rising loss: the window");
  assert.equal(sized(50, 0.002, 0.04, { z: 0 }).window, 10, "no error bars: the floor");
});

/** Window 20, search from step 100 of 1,000, paired trials settling twice: 40 steps. */
function noiseSetup(adalrs: Partial<AdalrsConfig> = {}) {
  return pairedSetup({
    revision: 11,
    noiseWindow: true,
    window: 20,
    settle: 2,
    searchStart: 0.1,
    searchEnd: 0.5,
    ...adalrs,
  });
}

/** Four windows of 20 before the search phase, falling 0.01 a step with ±0.01 of noise. */
function beforeSearch(adalrs: Partial<AdalrsConfig> = {}): Scenario {
  const windows = [0, 1, 2, 3].map((w) => losses(20, 0.01, 0.01, 3 - 0.2 * w));
  return given(noiseSetup(adalrs), ...windows);
}

Deno.test("noiseWindow: the last window before the search phase sizes every window after it", () => {
  const scenario = beforeSearch();
  const [first, second, third, last] = scenario.decisions;
  for (const d of [first, second, third]) assert.equal(d.sized, undefined);
  assert.equal(last.rule, "outside-search");
  assert.equal(last.window.toStep, 79, "ends before step 100, the next would not");
  assert.equal(last.sized?.window, 10, "(2 · 0.0102 · √12 / 0.01)^(2/3) = 3.7: the floor");
  assert.equal(last.sized?.settle, 4, "40 settling steps in windows of 10");
  assert.deepEqual(scenario.state.sized, last.sized);
  // The next window ends 10 steps on: 20 losses run past it and are refused.
  assert.equal(windowEnd(scenario.state), 89);
  const refused = decide(scenario.state, 80, losses(20, 0.01, 0.01, 2.2));
  assert.ok(!refused.ok && refused.rejection.reason.includes("past the end"));
  const next = scenario.when(losses(10, 0.01, 0.01, 2.2));
  assert.deepEqual([next.decision?.window.fromStep, next.decision?.window.toStep], [80, 89]);
});

Deno.test("noiseWindow: a paired trial settles the sized number of windows", () => {
  let then = beforeSearch().when(losses(10, 0.01, 0, 2.2));
  // Descent slows inside the search phase (steps 100-109): the upscale trial starts.
  for (const [v, start] of [[0.01, 2.1], [0.005, 2.0]] as const) {
    then = then.scenario.when(losses(10, v, 0, start));
  }
  assert.equal(then.decision?.rule, "upscale-trial");
  const rules: string[] = [];
  for (let w = 0; w < 6; w++) {
    then = then.scenario.when(losses(10, 0.005, 0, 1.9 - 0.05 * w));
    rules.push(then.decision!.rule);
  }
  assert.deepEqual(rules, [
    "trial-return",
    "trial-settle",
    "trial-settle",
    "trial-settle",
    "trial-branch",
    "control-window",
  ]);
});

Deno.test("noiseWindow off (the default, and revision 10 and before): windows keep their length", () => {
  assert.equal(ADALRS_DEFAULTS.noiseWindow, false);
  assert.equal(revisionSettings(10).noiseWindow, false);
  const scenario = beforeSearch({ noiseWindow: false });
  assert.ok(scenario.decisions.every((d) => d.sized === undefined));
  assert.equal(scenario.state.sized, undefined);
  assert.equal(windowEnd(scenario.state), 99);
});

Deno.test("noiseWindow: a search phase that starts in the first two windows keeps the window", () => {
  const scenario = beforeSearch({ searchStart: 0.03 });
  assert.ok(scenario.decisions.every((d) => d.sized === undefined));
  assert.equal(windowEnd(scenario.state), 99);
});

Deno.test("noiseWindow in a run definition: off unless asked for, and false for older revisions", () => {
  const base = { training: { steps: 3000 }, optimizer: { lr: 1e-3 }, mode: "external" };
  assert.equal(RunDefinitionSchema.parse(base).adalrs.noiseWindow, false);
  const asked = RunDefinitionSchema.parse({ ...base, adalrs: { noiseWindow: true } });
  assert.equal(asked.adalrs.noiseWindow, true);
  const old = RunDefinitionSchema.parse({ ...base, adalrs: { revision: 10 } });
  assert.equal(old.adalrs.noiseWindow, false);
  const bad = RunDefinitionSchema.safeParse({ ...base, adalrs: { noiseWindow: "yes" } });
  assert.ok(!bad.success && bad.error.issues[0].path.join(".") === "adalrs.noiseWindow");
});
