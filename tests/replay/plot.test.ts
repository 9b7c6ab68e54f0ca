import assert from "node:assert/strict";
import { parseJsonl, plotSvg, runCurves } from "../../src/replay/mod.ts";
import { externalDefinition, memoryStore } from "../_fixtures.ts";
import { recordRunLosses } from "../../src/events/mod.ts";

Deno.test("plotSvg() draws loss over LR, one marker per LR change, rolled-back trials shaded", async () => {
  const store = await memoryStore();
  const run = await store.create(externalDefinition(400, 10));
  // Steady descent, then a trial window whose loss jumps up: upscale, then a restore.
  for (let from = 0; from < 400; from += 10) {
    const losses = Array.from({ length: 10 }, (_, i) => {
      const step = from + i;
      return 5 - 0.004 * step + 0.01 * Math.sin(step * 12.9898) +
        (step >= 40 && step < 50 ? 0.5 : 0);
    });
    const out = await recordRunLosses(store, run.id, { fromStep: from, losses }, {
      mode: "external",
    });
    assert.ok(out.ok);
  }
  const curves = runCurves(await store.read(run.id));
  const svg = plotSvg(curves, "a <run> & its plot");
  const changes = curves.decisions.filter((d) => d.decision.mAfter !== d.decision.mBefore);
  assert.ok(changes.length > 0, "the losses should make the controller act");
  assert.equal((svg.match(/<svg /g) ?? []).length, 3, "one document holding two charts");
  assert.match(svg, /a &lt;run&gt; &amp; its plot/);
  assert.ok(curves.abandoned.length > 0, "some trial should have been rolled back");
  assert.equal(
    curves.abandoned.length,
    curves.decisions.filter((d) => d.decision.action.kind === "restore" || d.decision.paired)
      .length,
  );
  for (const band of curves.abandoned) {
    assert.match(svg, new RegExp(`abandoned \\(rollback\\) steps ${band.fromStep}-${band.toStep}`));
  }
  store.kv.close();
});

Deno.test("runCurves() shades both cooldowns of a cooled trial, and the losing window", async () => {
  // docs/controller.md, "Cooled verdicts": a lost upscale, then three kept downscales.
  const text = await Deno.readTextFile(
    new URL("../fixtures/revision5/managed-gpt-cooldown.jsonl", import.meta.url),
  );
  const curves = runCurves(parseJsonl(text));
  const bands = curves.abandoned.map((b) => [b.fromStep, b.toStep]);
  assert.deepEqual(bands, [
    // Control kept: the trial window and its cooldown, then the control's cooldown.
    [300, 399],
    [450, 499],
    // Trial kept: its cooldown and the whole control branch.
    [550, 699],
    [850, 999],
    [1200, 1349],
  ]);
  // Three windows of 50 discarded per trial.
  assert.equal(bands.reduce((sum, [from, to]) => sum + to - from + 1, 0), 4 * 150);
});
