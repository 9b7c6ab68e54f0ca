import assert from "node:assert/strict";
import { currentLr, evolve, initialState } from "../../src/adalrs/mod.ts";
import { baseLr, SCHEDULE_DEFAULTS, type ScheduleConfig } from "../../src/schedule/mod.ts";
import { line, setup } from "../adalrs/_given.ts";

const PEAK = 0.01;
const T = 1000;
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-15, `${a} != ${b}`);
const schedule = (over: Partial<ScheduleConfig>): ScheduleConfig => ({
  ...SCHEDULE_DEFAULTS,
  warmupSteps: 100,
  minRatio: 0.1,
  ...over,
});
const lrs = (s: ScheduleConfig) => Array.from({ length: T }, (_, t) => baseLr(s, PEAK, t, T));

Deno.test("baseLr() warms up linearly from peak / warmup to the peak, for every kind", () => {
  for (const kind of ["constant", "cosine", "wsd"] as const) {
    const s = schedule({ kind });
    close(baseLr(s, PEAK, 0, T), PEAK / 100);
    close(baseLr(s, PEAK, 49, T), PEAK / 2);
    assert.equal(baseLr(s, PEAK, 99, T), PEAK);
    assert.equal(baseLr(s, PEAK, 100, T), PEAK);
  }
});

Deno.test("baseLr() constant stays at the peak to the end; minRatio does not apply", () => {
  const s = schedule({ kind: "constant" });
  assert.deepEqual(lrs(s).slice(100), new Array(T - 100).fill(PEAK));
});

Deno.test("baseLr() cosine falls from the peak to peak * minRatio, halfway at mid-decay", () => {
  const s = schedule({ kind: "cosine" });
  assert.equal(baseLr(s, PEAK, 100, T), PEAK);
  close(baseLr(s, PEAK, T - 1, T), PEAK * 0.1);
  // Step 100 + 899 / 2 is mid-decay; the integer step nearest to it is within one step's fall.
  const mid = (PEAK + PEAK * 0.1) / 2;
  assert.ok(Math.abs(baseLr(s, PEAK, 549, T) - mid) < PEAK * 0.002);
  close(baseLr(schedule({ kind: "cosine", warmupSteps: 0, minRatio: 0 }), PEAK, 0, 3), PEAK);
  close(baseLr(schedule({ kind: "cosine", warmupSteps: 0, minRatio: 0 }), PEAK, 1, 3), PEAK / 2);
});

Deno.test("baseLr() WSD holds the peak, then decays linearly over the last decayFraction", () => {
  const s = schedule({ kind: "wsd", decayFraction: 0.2 });
  assert.equal(baseLr(s, PEAK, 799, T), PEAK);
  close(baseLr(s, PEAK, 800, T), PEAK - PEAK * 0.9 / 200);
  close(baseLr(s, PEAK, 899, T), PEAK - PEAK * 0.9 / 2);
  close(baseLr(s, PEAK, T - 1, T), PEAK * 0.1);
  assert.equal(baseLr(schedule({ kind: "wsd", decayFraction: 0 }), PEAK, T - 1, T), PEAK);
});

Deno.test("baseLr() WSD never starts its decay inside the warmup", () => {
  const s = schedule({ kind: "wsd", warmupSteps: 10, decayFraction: 0.8 });
  assert.equal(baseLr(s, PEAK, 9, 20), PEAK);
  close(baseLr(s, PEAK, 10, 20), PEAK - PEAK * 0.9 / 10);
  close(baseLr(s, PEAK, 19, 20), PEAK * 0.1);
});

Deno.test("baseLr() never falls below the floor and never rises after the warmup", () => {
  for (const kind of ["constant", "cosine", "wsd"] as const) {
    for (const minRatio of [0, 0.1, 0.5]) {
      const values = lrs(schedule({ kind, minRatio }));
      for (let t = 0; t < T; t++) {
        assert.ok(values[t] >= PEAK * minRatio - 1e-18 || t < 100, `${kind} ${t}`);
        assert.ok(values[t] <= PEAK, `${kind} ${t}`);
        if (t > 0 && t < 100) assert.ok(values[t] > values[t - 1], `${kind} warmup ${t}`);
        if (t > 100) assert.ok(values[t] <= values[t - 1], `${kind} ${t}`);
      }
    }
  }
});

Deno.test("baseLr() holds its last value past the end and refuses negative or NaN steps", () => {
  const s = schedule({ kind: "cosine" });
  assert.equal(baseLr(s, PEAK, T + 50, T), baseLr(s, PEAK, T - 1, T));
  assert.throws(() => baseLr(s, PEAK, -1, T), /Step must be >= 0, got -1/);
  assert.throws(() => baseLr(s, PEAK, NaN, T), RangeError);
});

Deno.test("the controller's LR is the multiplier times the schedule at the next step", () => {
  const config = { ...setup({}, T), schedule: schedule({ kind: "cosine" }), peakLr: PEAK };
  assert.equal(currentLr(initialState(config)), baseLr(config.schedule, PEAK, 0, T));
  let state = initialState(config);
  for (let w = 0; w < 30; w++) {
    state = evolve(state, line(w % 3 === 0 ? 0.25 : 0.5, 9 - w * 0.25));
    assert.equal(currentLr(state), state.m * baseLr(config.schedule, PEAK, state.nextStep, T));
  }
  assert.ok(state.m !== 1, "the multiplier moved at least once");
});
