/**
 * A run's loss and LR curves as a standalone SVG: training and validation loss on top, the
 * effective LR (log axis) below, each LR decision as a marker, abandoned stretches shaded.
 *
 * @module
 */

import type { Rule } from "../adalrs/mod.ts";
import { downsample, type RunCurves } from "./curves.ts";
import { chartSvg, stackSvg } from "../plot/mod.ts";

/** Marker colour of each rule; rules that change nothing are not drawn. */
export const RULE_COLOURS: Partial<Record<Rule, string>> = {
  "upscale-trial": "#1f77b4",
  "downscale-trial": "#637939",
  "trial-branch": "#393b79",
  "trial-reject": "#ad494a",
  "trial-abort": "#843c39",
  "trial-accept": "#2ca02c",
  "trial-restore": "#d62728",
  "trial-setback": "#e377c2",
  "trial-return": "#17becf",
  "trial-revert": "#9467bd",
  "rise-downscale": "#ff7f0e",
  "non-finite-restore": "#8c564b",
  "non-finite-downscale": "#bcbd22",
};

const HEIGHT = 230;

/**
 * Renders the curves: two charts of the same steps, stacked in one SVG document.
 *
 * @param curves what {@linkcode runCurves} extracted
 * @param title a heading, e.g. the run's name and id
 * @returns an SVG document
 */
export function plotSvg(curves: RunCurves, title: string): string {
  const train = downsample(curves.train, 800, (p) => p.loss);
  const lrs = downsample(curves.lr, 800, (p) => p.lr);
  const val = curves.val.map((p): [number, number] => [p.step, p.loss]);
  const bands = curves.abandoned.map((a) => ({
    from: a.fromStep,
    to: a.toStep,
    colour: "#999",
    title: `abandoned (${a.why}) steps ${a.fromStep}-${a.toStep}`,
  }));
  const shown = curves.decisions.filter((d) => RULE_COLOURS[d.rule]);
  const losses = [...train.map((p) => p.value), ...val.map((p) => p[1])].filter(Number.isFinite);
  const [lo, hi] = [Math.min(...losses), Math.max(...losses)];
  const rulers = shown.map((d) => ({
    from: [d.step, lo] as [number, number],
    to: [d.step, hi] as [number, number],
    colour: RULE_COLOURS[d.rule]!,
  }));
  const loss = chartSvg({
    id: "loss",
    title,
    height: HEIGHT,
    x: { label: "step", min: 0 },
    y: { label: "loss" },
    series: [
      {
        name: "training loss",
        colour: "#1f77b4",
        width: 1.2,
        points: train.map((p) => [p.step, p.value]),
      },
      { name: "validation loss", colour: "#333333", width: 0, dots: true, points: val },
    ],
    segments: losses.length ? rulers : [],
    bands,
  });
  const lr = chartSvg({
    id: "lr",
    title: "",
    height: HEIGHT,
    x: { label: "step", min: 0 },
    y: { label: "effective learning rate", log: true },
    series: [{ name: "effective LR", colour: "#333", points: lrs.map((p) => [p.step, p.value]) }],
    markers: shown.map((d) => ({
      x: d.step,
      y: d.decision.lr,
      colour: RULE_COLOURS[d.rule]!,
      title: `${d.rule} at step ${d.step}: m ${d.decision.mBefore.toPrecision(3)} → ` +
        d.decision.mAfter.toPrecision(3),
    })),
    legend: Object.entries(RULE_COLOURS)
      .filter(([rule]) => shown.some((d) => d.rule === rule))
      .map(([name, colour]) => ({ name, colour })),
    bands,
  });
  return stackSvg([loss, lr]);
}
