import assert from "node:assert/strict";
import {
  type ControllerSetup,
  currentLr,
  type Decision,
  encodeLoss,
  initialState,
  type LossValue,
  recordLosses,
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
    const out = recordLosses(state, state.nextStep, losses.slice(i, i + n));
    state = out.state;
    if (out.decision) decisions.push(out.decision);
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
    const out = recordLosses(state, t, [losses[t]]);
    state = out.state;
    if (out.decision) replayed.push(out.decision);
  }
  state = JSON.parse(JSON.stringify(state));
  for (let t = 290; t < losses.length; t++) {
    const out = recordLosses(state, t, [losses[t]]);
    state = out.state;
    if (out.decision) replayed.push(out.decision);
  }
  assert.deepStrictEqual(replayed, live.decisions);
  assert.deepStrictEqual(state, live.state);
});

Deno.test("currentLr() and windowEnd() before and within a window", () => {
  const config = cosine("trigger");
  const start = initialState(config);
  assert.equal(currentLr(start), baseLr(config.schedule, PEAK, 0, 600));
  assert.equal(windowEnd(start), 19);
  const part = recordLosses(start, 0, [3, 3, 3]).state;
  assert.equal(windowEnd(part), 19);
  assert.equal(currentLr(part), baseLr(config.schedule, PEAK, 3, 600));
});

Deno.test("recordLosses() refuses losses out of order or past the window's end", () => {
  const state = initialState(cosine("trigger"));
  assert.throws(() => recordLosses(state, 1, [3]), /start at step 0, got 1/);
  assert.throws(() => recordLosses(state, 0, new Array(21).fill(3)), /past step 19/);
  assert.equal(recordLosses(state, 0, []).decision, null);
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
