import assert from "node:assert/strict";
import {
  buildReport,
  checkTargets,
  reportJson,
  reportMarkdown,
} from "../../../src/research/experiment/mod.ts";
import { adalrs, meta, outcome } from "./_results.ts";

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

Deno.test("buildReport() lines up each AdaLRS run with the fixed run at its start", () => {
  const report = buildReport(outcome(), meta());
  assert.deepEqual(report.rows.map((r) => `${r.kind} ${r.start}`), [
    "fixed fit/9",
    "AdaLRS fit/9",
    "fixed fit/3",
    "AdaLRS fit/3",
    "fixed fit",
    "fixed fit·3",
    "AdaLRS fit·3",
    "fixed fit·9",
    "AdaLRS fit·9",
  ]);
  const fromFit9 = report.rows[1];
  assert.ok(close(fromFit9.vsFit, 2.03 / 2 - 1));
  assert.ok(close(fromFit9.vsFixed, 2.03 / 2.4 - 1));
  assert.ok(close(fromFit9.lrOverFit, 6 / 9));
  assert.ok(Number.isNaN(report.rows[0].vsFixed), "a fixed run has no fixed baseline");
  assert.equal(report.fit.runId, "r10");
  assert.ok(close(report.fit.lr, 1e-3));
});

Deno.test("buildReport() prices one AdaLRS run against the whole sweep", () => {
  const { cost } = buildReport(outcome(), meta());
  assert.equal(cost.adalrsTokens, 512_000);
  assert.equal(cost.sweepRuns, 7);
  assert.equal(cost.sweepTokens, 7 * 512_000);
  assert.equal(cost.ratio, 7);
});

Deno.test("checkTargets() checks match, margin over the fixed run, and final LR", () => {
  const passing = buildReport(outcome(), meta());
  assert.equal(passing.targets.length, 10);
  assert.ok(passing.targets.every((t) => t.pass), JSON.stringify(passing.targets));

  const worse = outcome();
  worse.adalrs[0] = adalrs(-2, 2.05, 1); // 2.5% above the fit, never left fit/9
  const failing = buildReport(worse, meta()).targets.filter((t) => !t.pass);
  assert.deepEqual(failing.map((t) => t.target), [
    "from fit/9: final loss within 2% of the fit LR's",
    "from fit/9: final LR within 3x of the fit",
  ]);
  assert.deepEqual(checkTargets([]), []);
});

Deno.test("reportMarkdown() shows the table, the cost, the targets, the command and commit", () => {
  const worse = outcome();
  worse.adalrs[1] = adalrs(-1, 2.2, 1);
  const md = reportMarkdown(buildReport(worse, meta()), ["val_loss.svg"]);
  assert.match(md, /^# test profile, cosine schedule/);
  assert.match(md, /\| AdaLRS \| fit\/9 \| 1\.11e-4 \| 2\.0300 \| \+1\.5% \| −15\.4% \| 0\.667 \|/);
  assert.match(md, /7\.0x as much/);
  assert.match(
    md,
    /- AdaLRS from -2: 2 upscale trials \(1 accepted, 0 inconclusive, 1 rejected and restored, 1 of them as setbacks\), 0 downscales on rising or non-finite losses, final multiplier 6\.00\./,
  );
  assert.match(md, /\| \*\*no\*\* \|/);
  assert.match(md, /\| 2\.70e-2 \| fit·27 \| NaN \| failed \|/);
  assert.match(md, /!\[val_loss\.svg\]\(val_loss\.svg\)/);
  assert.match(md, /when this page was written: `0123456789abcdef` \(with uncommitted changes\)/);
  assert.match(md, /when the runs were created: `def`, `abc` \(with uncommitted changes\);/);
  assert.match(md, /task experiment --profile test/);
  // The span counts pauses between invocations; the run time in all does not.
  const runs = worse.sweep.runs.length + worse.adalrs.length;
  assert.match(md, new RegExp(`\\(${runs}\\.0 min of run time in all, on 2 worker\\(s\\)\\)`));
});

Deno.test("reportMarkdown() names what trained the runs, and warns when that differs between them", () => {
  const haswell = "wasm 4.22.0 (OpenBLAS (Haswell, 1 threads) + wasm SIMD)";
  const one = outcome();
  for (const r of [...one.sweep.runs, ...one.adalrs]) r.backend = haswell;
  const runs = one.sweep.runs.length + one.adalrs.length;
  const md = reportMarkdown(buildReport(one, meta()), []);
  assert.ok(md.includes(`Trained on ${haswell}: ${runs} runs.`), md);
  assert.doesNotMatch(md, /more than one backend/);

  // A sweep reused from a page trained elsewhere, or written before backends were recorded.
  const mixed = outcome();
  for (const r of mixed.adalrs) r.backend = haswell;
  mixed.adalrs[0].backend = "wasm 4.22.0 (OpenBLAS (Zen, 1 threads) + wasm SIMD)";
  const warned = reportMarkdown(buildReport(mixed, meta()), []);
  assert.match(warned, /\*\*Trained on more than one backend\*\* \(/);
  assert.ok(warned.includes(`${haswell}: ${mixed.adalrs.length - 1} runs`), warned);
  assert.ok(warned.includes("(OpenBLAS (Zen, 1 threads) + wasm SIMD): 1 run;"), warned);
  assert.ok(
    warned.includes(
      `not recorded (results written before it was): ${mixed.sweep.runs.length} runs`,
    ),
  );
});

Deno.test("reportMarkdown() names a run that did not complete instead of showing NaN", () => {
  const cancelled = outcome();
  cancelled.adalrs[3] = { ...adalrs(2, NaN, 1), status: "cancelled", steps: 0 };
  const md = reportMarkdown(buildReport(cancelled, meta()), []);
  assert.match(md, /\| AdaLRS \| fit·9 \| 9\.00e-3 \| cancelled \|/);
});

Deno.test("reportJson() keeps NaN as a string and puts number arrays on one line", () => {
  const text = reportJson(buildReport(outcome(), meta()));
  const parsed = JSON.parse(text);
  assert.equal(parsed.sweep.at(-1).finalValLoss, "NaN");
  assert.equal(parsed.cost.ratio, 7);
  assert.match(text, /"val": \[\[0,5\],\[500,2\.6\],\[1000,2\.4\]\]/);
  assert.match(text, /"extended": \[\]/);
});
