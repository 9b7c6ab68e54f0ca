import assert from "node:assert/strict";
import {
  buildReport,
  lossVsLrPlot,
  lrPlot,
  valLossPlot,
} from "../../../src/research/experiment/mod.ts";
import { meta, outcome } from "./_results.ts";

/** Every opened element is closed or self-closing: a cheap well-formedness check. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (!m[1]) stack.push(m[2]);
    else if (stack.pop() !== m[2]) return false;
  }
  return stack.length === 0;
}

Deno.test("the experiment's plots are standalone SVG naming every run", () => {
  const report = buildReport(outcome(), meta());
  const plots = {
    val: valLossPlot(report),
    lr: lrPlot(report),
    loss: lossVsLrPlot({
      title: "t",
      spacing: 3,
      sweep: report.sweep,
      fitIndex: 0,
      adalrs: report.adalrs,
    }),
  };
  for (const [name, svg] of Object.entries(plots)) {
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/, name);
    assert.ok(balanced(svg), `${name} is not well formed`);
    assert.doesNotMatch(svg, /NaN|undefined/, name);
  }
  assert.match(plots.val, /AdaLRS from fit\/9/);
  assert.match(plots.val, /fixed LR at fit·3/);
  assert.match(plots.lr, /trial-accept at step 200/);
  assert.match(plots.loss, /failed, no finite loss/, "the diverged run is marked");
  assert.match(plots.loss, /AdaLRS from -2: final LR 6\.67e-4/);
});
