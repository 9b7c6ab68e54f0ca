import assert from "node:assert/strict";
import {
  type ControllerSetup,
  currentLr,
  decide,
  type Decision,
  encodeLoss,
  evolve,
  foldLosses,
  initialState,
  type LossValue,
  windowEnd,
} from "../../src/adalrs/mod.ts";
import { baseLr } from "../../src/schedule/mod.ts";
import { gaussian } from "../../src/random/mod.ts";
import { PEAK, setup } from "./_given.ts";

/** 600 losses of a noisy, slowing descent with a few failed steps: every rule gets a chance. */
function lossLog(seed: number): LossValue[] {
  return Array.from({ length: 600 }, (_, t) => {
    if (t === 333 || t === 334) return "NaN";
    if (t === 471) return "Infinity";
    return encodeLoss(1 + 3 / Math.sqrt(1 + t / 20) + 0.02 * gaussian(seed, t));
  });
}

/** Folds `losses` in chunks of the given sizes (cycled), never past a window's end. */
function foldChunked(
  config: ControllerSetup,
  losses: readonly LossValue[],
  sizes: readonly number[],
) {
  let state = initialState(config);
  const decisions: Decision[] = [];
  let i = 0;
  for (let c = 0; i < losses.length; c++) {
    const room = windowEnd(state) - state.nextStep + 1;
    const n = Math.min(sizes[c % sizes.length], room, losses.length - i);
    const out = foldLosses(state, losses.slice(i, i + n));
    state = out.state;
    decisions.push(...out.decisions);
    i += n;
  }
  return { state, decisions };
}

const cosine = (kind: "fresh" | "bracket" | "trigger" | "pair"): ControllerSetup => ({
  ...setup({ window: 20, reference: kind, searchStart: 0.1, searchEnd: 0.7 }, 600),
  schedule: { kind: "cosine", warmupSteps: 30, minRatio: 0.1, decayFraction: 0 },
});

Deno.test("every decision's LR is m * base(nextStep), and nextStep follows its window", () => {
  for (const kind of ["trigger", "pair", "fresh", "bracket"] as const) {
    const config = cosine(kind);
    const { decisions } = foldChunked(config, lossLog(1), [20]);
    assert.equal(decisions.length, 30);
    for (const d of decisions) {
      assert.equal(d.nextStep, d.window.toStep + 1);
      assert.equal(d.lr, d.mAfter * baseLr(config.schedule, PEAK, d.nextStep, 600));
    }
  }
});

Deno.test("losses posted one at a time, in odd chunks or a window at once decide the same", () => {
  for (const kind of ["trigger", "pair", "fresh", "bracket"] as const) {
    const config = cosine(kind);
    const whole = foldChunked(config, lossLog(2), [20]);
    assert.deepStrictEqual(foldChunked(config, lossLog(2), [1]), whole);
    assert.deepStrictEqual(foldChunked(config, lossLog(2), [3, 7, 1, 13]), whole);
  }
});

Deno.test("the same losses always give the same decisions, bit for bit", () => {
  const config = cosine("bracket");
  const a = foldChunked(config, lossLog(3), [20]).decisions;
  const b = foldChunked(config, lossLog(3), [20]).decisions;
  assert.deepStrictEqual(a, b);
  // Not vacuous: the log exercises trials and failed windows.
  const rules = new Set(a.map((d) => d.rule));
  for (const rule of ["upscale-trial", "trial-return", "non-finite-downscale"]) {
    assert.ok(rules.has(rule as Decision["rule"]), `no ${rule} in ${[...rules]}`);
  }
});

Deno.test("a state stored as JSON mid-run continues exactly as the live one does", () => {
  const config = cosine("fresh");
  const losses = lossLog(4);
  const live = foldChunked(config, losses, [20]);
  // Replay from the initial state, stopping mid-window; then resume from the JSON copy.
  let state = initialState(config);
  const replayed: Decision[] = [];
  for (let t = 0; t < 290; t++) {
    const out = foldLosses(state, [losses[t]]);
    state = out.state;
    replayed.push(...out.decisions);
  }
  state = JSON.parse(JSON.stringify(state));
  for (let t = 290; t < losses.length; t++) {
    const out = foldLosses(state, [losses[t]]);
    state = out.state;
    replayed.push(...out.decisions);
  }
  assert.deepStrictEqual(replayed, live.decisions);
  assert.deepStrictEqual(state, live.state);
});

Deno.test("currentLr() and windowEnd() before and within a window", () => {
  const config = cosine("trigger");
  const start = initialState(config);
  assert.equal(currentLr(start), baseLr(config.schedule, PEAK, 0, 600));
  assert.equal(windowEnd(start), 19);
  const part = evolve(start, [3, 3, 3]);
  assert.equal(windowEnd(part), 19);
  assert.equal(currentLr(part), baseLr(config.schedule, PEAK, 3, 600));
});

Deno.test("decide() answers losses out of order or past the window's end with a rejection", () => {
  const state = initialState(cosine("trigger"));
  const gap = decide(state, 1, [3]);
  assert.ok(!gap.ok);
  assert.match(gap.rejection.reason, /fromStep 1 leaves a gap: the next step expected is 0/);
  assert.equal(gap.rejection.expectedStep, 0);
  const overrun = decide(state, 0, new Array(21).fill(3));
  assert.ok(!overrun.ok);
  assert.match(overrun.rejection.reason, /past the end of the controller's window at step 19/);
  assert.deepStrictEqual(decide(state, 0, []), { ok: true, decision: null });
});

Deno.test("decide() and evolve() agree, and evolve() is total across window ends", () => {
  const config = cosine("bracket");
  const losses = lossLog(4);
  const live = foldChunked(config, losses, [20]);
  // Each window decided, then evolved: the decider's two halves.
  let state = initialState(config);
  const decided: Decision[] = [];
  for (let t = 0; t < losses.length; t += 20) {
    const out = decide(state, t, losses.slice(t, t + 20));
    assert.ok(out.ok && out.decision !== null);
    decided.push(out.decision);
    state = evolve(state, losses.slice(t, t + 20));
  }
  assert.deepStrictEqual(decided, live.decisions);
  // One fold of the whole log, across every window's end, ends in the same state.
  assert.deepStrictEqual(evolve(initialState(config), losses), live.state);
});

Deno.test("a fixed log decides exactly as recorded (stored runs must replay after code changes)", () => {
  const d = foldChunked(cosine("bracket"), lossLog(3), [20]).decisions;
  const o = "outside-search", up = "upscale-trial", ret = "trial-return", rev = "trial-revert";
  assert.deepStrictEqual(d.map((x) => x.rule), [
    ...[o, o, up, ret, rev, up, ret, rev, "observe", up, ret, "trial-restore", "observe"],
    ...[up, ret, rev, "non-finite-downscale", "observe", "observe", "observe", up, ret, rev],
    ...["non-finite-downscale", o, o, o, o, o, o],
  ]);
  assert.equal(d[11].lr, 0.00036496215017504594);
  assert.equal(d[13].mAfter, 1.4849999999999999);
  assert.equal(d[29].mAfter, 0.12882626901604557);
});
