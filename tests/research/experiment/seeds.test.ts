import assert from "node:assert/strict";
import {
  seedMarkdown,
  stepToReach,
  summariseSeeds,
  type TableRow,
} from "../../../src/research/experiment/mod.ts";

function row(kind: TableRow["kind"], start: string, finalValLoss: number, more: Partial<TableRow>) {
  return {
    kind,
    start,
    offset: 0,
    startLr: 1e-3,
    finalValLoss,
    vsFit: 0,
    vsFixed: NaN,
    lrOverFit: 1,
    steps: 100,
    tokens: 100,
    wallSeconds: 1,
    runId: "r",
    ...more,
  };
}

/**
 * Seed s: fixed runs at fit/9 and fit, and AdaLRS from fit/9 ending at `lr[s]` of the fit, whose
 * validation loss falls by 0.5 every 25 of its 100 steps from 3.5 (so it reaches seed 0's fixed
 * run's 2.0 at step 75).
 */
function seed(s: number, lr: number, vsFit: number, vsFixed: number) {
  return {
    seed: s,
    rows: [
      row("fixed", "fit/9", 2 + s / 100, { vsFit: 0.1 }),
      row("AdaLRS", "fit/9", 1.8, { lrOverFit: lr, vsFit, vsFixed, runId: `a${s}` }),
      row("fixed", "fit", 1.5 + s / 1000, {}),
    ],
    curves: { [`a${s}`]: [[25, 3.0], [50, 2.5], [75, 2.0], [100, 1.8]] as [number, number][] },
  };
}

Deno.test("summariseSeeds() gives each start's median and worst, and the fixed runs' spread", () => {
  const summary = summariseSeeds([
    seed(0, 0.5, 0.01, -0.05),
    seed(1, 0.2, 0.04, -0.02),
    seed(2, 1.5, 0.0, 0.035),
  ]);
  assert.equal(summary.rows.length, 1);
  const [r] = summary.rows;
  assert.equal(r.seeds, 3);
  assert.equal(r.lrMedian, 0.5);
  assert.equal(r.lrWorst, 0.2, "farthest from 1 in log terms");
  assert.equal(r.vsFitMedian, 0.01);
  assert.equal(r.vsFitWorst, 0.04);
  assert.equal(r.vsFixedMedian, -0.02);
  assert.equal(r.vsFixedWorst, 0.035);
  // Seed 0's fixed run ends at 2.00, reached at step 75 (25% saved); seed 2's at 2.02, at step 74.
  assert.ok(Math.abs(r.savedWorst - 0.25) < 1e-12, `${r.savedWorst}`);
  assert.ok(r.savedMedian > 0.25 && r.savedMedian < 0.26);
  assert.deepEqual(summary.fixed.map((f) => f.start), ["fit/9", "fit"]);
  assert.ok(Math.abs(summary.fixed[0].spread - 0.02 / 2) < 1e-12);
  const met = Object.fromEntries(summary.targets.map((t) => [t.target, t.pass]));
  assert.equal(met["from fit/9: median final LR within 3x of the fit"], true);
  assert.equal(met["from fit/9: median final loss within +2.0% of the fit LR's"], true);
  assert.equal(met["from fit/9: median loss at least 1.0% below the fixed run there"], true);
  assert.equal(met["no run more than 3% worse than the fixed run at its own start"], false);
  const md = seedMarkdown(summary, [0, 1, 2]);
  assert.match(
    md,
    /\| fit\/9 \| 3 \| 0\.500x \(0\.200x\) \| \+1\.0% \(\+4\.0%\) \| −2\.0% \(\+3\.5%\) \| 25% \(25%\) \|/,
  );
  assert.match(md, /\| no run more than 3% worse .* \| \+3\.5% \| \*\*no\*\* \|/);
});

Deno.test("a run that stays at fit·3 is within 3x of the fit, a hair past the boundary is not", () => {
  const lrOverFit = (9e-3 / 3e-3) * 1; // 3.0000000000000004 in floating point
  const at = (lr: number) =>
    summariseSeeds([{
      seed: 0,
      rows: [
        row("AdaLRS", "fit·3", 1.5, { lrOverFit: lr, vsFixed: 0 }),
        row("fixed", "fit", 1.5, {}),
      ],
      curves: {},
    }]).targets.find((t) => t.target === "from fit·3: median final LR within 3x of the fit")!.pass;
  assert.equal(at(lrOverFit), true);
  assert.equal(at(3.01), false);
});

Deno.test("stepToReach() interpolates between evaluations; a run that never gets there says never", () => {
  const curve: [number, number][] = [[100, 3], [200, 2], [300, 1.5]];
  assert.equal(stepToReach(curve, 1.75), 250);
  assert.equal(stepToReach(curve, 2), 200, "reaching the target exactly is reaching it");
  assert.equal(stepToReach(curve, 5), 100, "already there at the first evaluation");
  assert.equal(stepToReach(curve, 1.4), Infinity);
  const summary = summariseSeeds([0, 1, 2].map((s) => ({
    seed: s,
    rows: [
      row("fixed", "fit·9", 1.4, {}),
      row("AdaLRS", "fit·9", 1.5, { runId: `a${s}` }),
    ],
    curves: { [`a${s}`]: curve },
  })));
  assert.equal(summary.rows[0].savedMedian, -Infinity);
  assert.match(seedMarkdown(summary, [0, 1, 2]), /\| never \(never\) \|$/m);
});
