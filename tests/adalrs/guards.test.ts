import assert from "node:assert/strict";
import { given, line, PEAK, setup } from "./_given.ts";

const cont = { kind: "continue" } as const;

Deno.test("the first window, and a window faster than the one before it, only observe", () => {
  given(setup()).when(line(0.5)).then({
    index: 0,
    rule: "observe",
    window: { fromStep: 0, toStep: 4, stats: { fromStep: 0, toStep: 4, v: 0.5, e: 0, mean: 3 } },
    previous: null,
    reference: null,
    n: 0,
    alpha: 3,
    beta: 0.5,
    mBefore: 1,
    mAfter: 1,
    nextStep: 5,
    lr: PEAK,
    action: cont,
  });
  given(setup(), line(0.25, 3)).when(line(0.5, 2)).then({ rule: "observe", mAfter: 1 });
});

Deno.test("a loss rising beyond its error once is noted; twice in a row divides m by β", () => {
  const once = given(setup(), line(0.5, 3)).when(line(-0.25, 3));
  once.then({ rule: "rising", mAfter: 1, action: cont });
  assert.equal(once.scenario.state.rising, 1);
  const twice = once.scenario.when(line(-0.25, 3.5));
  twice.then({ rule: "rise-downscale", mAfter: 0.5, n: 0, lr: 0.5 * PEAK, action: cont });
  assert.equal(twice.scenario.state.n, 1);
  assert.equal(twice.scenario.state.rising, 0);
  // A descending window in between resets the count.
  once.scenario.when(line(0.5, 2.5)).scenario.when(line(-0.25, 2.5)).then({
    rule: "rising",
    mAfter: 1,
  });
});

Deno.test("a slowdown whose loss is above every earlier window's starts no trial (max-guard)", () => {
  given(setup(), line(0.5, 3)).when(line(0.25, 3.5)).then({
    rule: "max-guard",
    mAfter: 1,
    action: cont,
  });
  // At the maximum exactly is not above it.
  given(setup(), line(0.5, 3)).when(line(0.25, 3)).then({ rule: "upscale-trial" });
});

Deno.test("outside the search phase the multiplier is frozen, whatever the losses do", () => {
  // 100 steps, search [0.5, 0.8]: windows ending at steps 49..79 are inside.
  const config = setup({ searchStart: 0.5, searchEnd: 0.8 }, 100);
  const before = given(config, line(0.5, 3)).when(line(0.25, 2));
  before.then({ rule: "outside-search", mAfter: 1 });
  given(config, line(0.5, 3)).when(line(-0.5, 4)).then({ rule: "outside-search", mAfter: 1 });
  const windows = Array.from({ length: 9 }, (_, i) => line(0.5, 9 - 0.5 * i));
  const atStart = given(config, ...windows).when(line(0.25, 4));
  atStart.then({ rule: "upscale-trial" });
  assert.equal(atStart.decision!.window.toStep, 49);
  const late = Array.from({ length: 16 }, (_, i) => line(0.5, 9 - 0.5 * i));
  given(config, ...late).when(line(0.25, 0)).then({ rule: "outside-search", mAfter: 1 });
});

Deno.test("a non-finite loss fails its window: no fit, m divided by β' (NaN, ±Infinity)", () => {
  for (const bad of ["NaN", "Infinity", "-Infinity", NaN] as const) {
    const failed = given(setup(), line(0.5, 3)).when([3, 3, bad, 3, 3]);
    failed.then({
      rule: "non-finite-downscale",
      window: { fromStep: 5, toStep: 9, stats: null },
      mAfter: 0.5,
      lr: 0.5 * PEAK,
      action: cont,
    });
    assert.equal(failed.scenario.state.n, 1);
    assert.equal(failed.scenario.state.previous, null);
  }
});

Deno.test("a non-finite loss during a trial restores the snapshot and downscales", () => {
  given(setup(), line(0.5, 3), line(0.25, 2)).when(["Infinity", 1, 1, 1, 1]).then({
    rule: "non-finite-restore",
    mBefore: 3,
    mAfter: 0.5,
    action: { kind: "restore", snapshotId: "s1" },
  });
});

Deno.test("losses so large that the fit overflows fail the window like a NaN", () => {
  const huge = [1e308, -1e308, 1e308, -1e308, 1e308];
  given(setup(), line(0.5, 3)).when(huge).then({
    rule: "non-finite-downscale",
    window: { fromStep: 5, toStep: 9, stats: null },
  });
});

Deno.test("when disabled, every window reports the scheduled LR and nothing else", () => {
  const config = setup({ enabled: false });
  const d = given(config, line(0.5, 3), line(0.25, 2), [1, "NaN", 1, 1, 1]).decisions;
  assert.deepEqual(d.map((x) => [x.rule, x.mAfter, x.lr, x.action.kind]), [
    ["disabled", 1, PEAK, "continue"],
    ["disabled", 1, PEAK, "continue"],
    ["disabled", 1, PEAK, "continue"],
  ]);
});

Deno.test("α' and β' decay as λ^n and never pass 1", () => {
  // λ = 0.5: α' = max(0.5^n * 3, 1), β' = 1 / max(0.5^n * 2, 1).
  const config = setup({ lambda: 0.5 });
  const slow = (mean: number) => [line(0.5, mean), line(0.25, mean - 0.5)];
  const s = given(
    config,
    ...slow(9),
    line(0, 8), // restore: n 0 -> 1, m = 1 * 1/2
    ...slow(7.5),
    line(0, 6.5), // restore: n 1 -> 2, m = 0.5 * 1/1
    ...slow(6),
  );
  const trials = s.decisions.filter((d) => d.rule === "upscale-trial");
  assert.deepEqual(trials.map((d) => [d.n, d.alpha, d.mBefore, d.mAfter]), [
    [0, 3, 1, 3],
    [1, 1.5, 0.5, 0.75],
    [2, 1, 0.5, 0.5],
  ]);
  const restores = s.decisions.filter((d) => d.rule === "trial-restore");
  assert.deepEqual(restores.map((d) => [d.n, d.beta, d.mAfter]), [[0, 0.5, 0.5], [1, 1, 0.5]]);
});

Deno.test("with the paper's λ = 0.99 the factors shrink by 1% per adjustment", () => {
  const d = given(setup(), line(0.5, 3), line(0.25, 2), line(0.5, 1.5)).when(line(0.25, 1));
  d.then({ rule: "upscale-trial", n: 1, alpha: 0.99 * 3, beta: 1 / (0.99 * 2), mAfter: 3 * 2.97 });
});
