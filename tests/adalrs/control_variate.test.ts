/**
 * The control variate (`controlVariate`, revision 9, opt-in): each window's velocity is fitted with
 * a fixed reference model's loss on the same batches as a second regressor, so that the batches'
 * own difficulty no longer moves the slope that triggers a trial.
 */
import assert from "node:assert/strict";
import {
  ADALRS_DEFAULTS,
  foldLosses,
  initialState,
  legacySettings,
  revisionSettings,
  velocity,
  velocityAgainst,
} from "../../src/adalrs/mod.ts";
import { given, pairedSetup } from "./_given.ts";

/** A batch's difficulty, as a reference model sees it: no trend, no pattern in the step. */
const DIFFICULTY = [0.3, -0.2, 0.5, -0.4, 0.1, 0.2, -0.5, 0.4, -0.1, -0.3];

/** Losses on a line falling at `v`, plus `c` times each batch's difficulty. */
function hardBatches(v: number, mean: number, c: number, difficulty = DIFFICULTY): number[] {
  return difficulty.map((d, i) => mean - v * (i - (difficulty.length - 1) / 2) + c * d);
}

Deno.test("velocityAgainst removes the batches' difficulty from the slope", () => {
  const losses = hardBatches(0.01, 2, 0.8);
  const refs = DIFFICULTY.map((d) => 2.4 + d);
  const fit = velocityAgainst(losses, refs)!;
  assert.ok(Math.abs(fit.v - 0.01) < 1e-12, `v ${fit.v}`);
  assert.ok(Math.abs(fit.c - 0.8) < 1e-12, `c ${fit.c}`);
  assert.ok(fit.se < 1e-9, "nothing is left unexplained");
  const plain = velocity(losses);
  assert.ok(Math.abs(plain.v - 0.01) > 0.005, "the plain slope carries the difficulty");
  assert.ok(plain.se > 0.02);
  assert.equal(fit.mean, plain.mean, "the window's mean is the plain one");
});

Deno.test("velocityAgainst declines references that cannot be told from the step", () => {
  const losses = [3, 2.9, 2.85, 2.7, 2.6];
  assert.equal(velocityAgainst(losses, [2, 2, 2, 2, 2]), null, "constant");
  assert.equal(velocityAgainst(losses, [1, 2, 3, 4, 5]), null, "on a line with the step");
  assert.equal(velocityAgainst(losses, [1, 3, 2, NaN, 5]), null, "not finite");
  assert.equal(velocityAgainst(losses.slice(0, 3), [1, 3, 2]), null, "too few to fit three");
  assert.equal(velocityAgainst(losses, [1, 3, 2]), null, "not one per loss");
});

Deno.test("controlVariate is opt-in from revision 9; older revisions never fit against references", () => {
  assert.ok(ADALRS_DEFAULTS.revision >= 9);
  assert.equal(ADALRS_DEFAULTS.controlVariate, false);
  assert.equal(revisionSettings(8).controlVariate, false);
  assert.equal(revisionSettings(9).controlVariate, undefined, "revision 9 had it");
  const { controlVariate: _, revision: __, bracketCeiling: ___, ...revision8Log } = ADALRS_DEFAULTS;
  assert.equal(legacySettings({ ...revision8Log, revision: 8 }).controlVariate, false);
});

/** Two windows of 10 at one LR, then the third: where a slowdown starts a trial. */
const WINDOW = 10;
const cvSetup = (controlVariate: boolean) =>
  pairedSetup({ window: WINDOW, controlVariate, earlyAccept: 2, settle: 2 });

Deno.test("with controlVariate a slowdown that is only harder batches starts no trial", () => {
  // The second window falls faster than the first (0.012 against 0.010 a step), but its later
  // batches are harder: the plain slope says the descent slowed.
  const rising = DIFFICULTY.map((_, i) => (i - 4.5) * 0.08);
  const first = hardBatches(0.010, 3, 0.5);
  const second = hardBatches(0.012, 2.8, 0.5, rising.map((r, i) => r + DIFFICULTY[i]));
  const refs1 = DIFFICULTY.map((d) => 2.4 + d);
  const refs2 = rising.map((r, i) => 2.4 + r + DIFFICULTY[i]);

  const plain = given(cvSetup(false)).when(first, refs1).scenario.when(second, refs2);
  plain.then({ rule: "upscale-trial", mAfter: 3 });
  assert.equal(plain.decision!.window.stats!.c, undefined, "references ignored when off");
  assert.deepEqual(plain.scenario.state.pendingRefs, undefined, "and not kept");

  const fitted = given(cvSetup(true)).when(first, refs1).scenario.when(second, refs2);
  const decision = fitted.then({ rule: "observe", mAfter: 1 });
  assert.ok(Math.abs(decision.window.stats!.v - 0.012) < 1e-9, "the true descent");
  assert.ok(Math.abs(decision.window.stats!.c! - 0.5) < 1e-9, "the fit is in the evidence");
  assert.ok(Math.abs(decision.previous!.v - 0.010) < 1e-9);
});

Deno.test("a window with a step sent without its reference is fitted plainly", () => {
  const losses = hardBatches(0.01, 3, 0.5);
  const refs = DIFFICULTY.map((d) => 2.4 + d);
  const half = given(cvSetup(true)).when(losses.slice(0, 5), refs.slice(0, 5)).scenario;
  assert.deepEqual(half.state.pendingRefs, refs.slice(0, 5));
  const done = half.when(losses.slice(5));
  assert.equal(done.decision!.window.stats!.c, undefined);
  assert.equal(done.decision!.window.stats!.v, velocity(losses).v);
  assert.deepEqual(done.scenario.state.pendingRefs, [], "the next window starts afresh");
});

Deno.test("references fold the same in any chunking, and replay decides identically", () => {
  const windows = [0, 1, 2, 3, 4, 5].map((w) => hardBatches(0.01 / (1 + w), 3 - 0.1 * w, 0.5));
  const losses = windows.flat();
  const refs = windows.flatMap(() => DIFFICULTY.map((d) => 2.4 + d));
  const start = initialState(cvSetup(true));
  const whole = foldLosses(start, losses, refs);
  let state = start;
  const pieces = [];
  for (let at = 0; at < losses.length; at += 7) {
    const fed = foldLosses(state, losses.slice(at, at + 7), refs.slice(at, at + 7));
    state = fed.state;
    pieces.push(...fed.decisions);
  }
  assert.deepEqual(pieces, whole.decisions);
  assert.equal(whole.decisions.length, losses.length / WINDOW);
  assert.ok(whole.decisions.every((d) => d.window.stats?.c !== undefined));
});
