/**
 * A run's loss and LR curves as a standalone SVG: training and validation loss on top, the
 * effective LR (log axis) below, each LR decision as a marker, abandoned stretches shaded.
 *
 * @module
 */

import type { Rule } from "../adalrs/mod.ts";
import { downsample, type RunCurves } from "./curves.ts";

/** Marker colour of each rule; rules that change nothing are not drawn. */
export const RULE_COLOURS: Partial<Record<Rule, string>> = {
  "upscale-trial": "#1f77b4",
  "trial-accept": "#2ca02c",
  "trial-restore": "#d62728",
  "trial-return": "#17becf",
  "trial-revert": "#9467bd",
  "rise-downscale": "#ff7f0e",
  "non-finite-restore": "#8c564b",
  "non-finite-downscale": "#8c564b",
};

const W = 960;
const PANEL = 230;
const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const GAP = 50;

/**
 * Renders the curves.
 *
 * @param curves what {@linkcode runCurves} extracted
 * @param title a heading, e.g. the run's name and id
 * @returns an SVG document
 */
export function plotSvg(curves: RunCurves, title: string): string {
  const train = downsample(curves.train, 800, (p) => p.loss);
  const lrs = downsample(curves.lr, 800, (p) => p.lr);
  const val = curves.val.filter((p) => Number.isFinite(p.loss)).map((p) => ({
    step: p.step,
    value: p.loss,
  }));
  const maxStep = Math.max(1, ...curves.train.map((p) => p.step), ...curves.val.map((p) => p.step));
  const x = (step: number) => LEFT + (step / maxStep) * (W - LEFT - RIGHT);
  const losses = [...train, ...val].map((p) => p.value);
  const [lo, hi] = losses.length ? [Math.min(...losses), Math.max(...losses)] : [0, 1];
  const lossY = (v: number) => TOP + PANEL - ((v - lo) / (hi - lo || 1)) * PANEL;
  const logs = lrs.map((p) => Math.log10(p.value)).filter(Number.isFinite);
  const [llo, lhi] = logs.length ? [Math.min(...logs) - 0.1, Math.max(...logs) + 0.1] : [-4, -2];
  const top2 = TOP + PANEL + GAP;
  const lrY = (v: number) => top2 + PANEL - ((Math.log10(v) - llo) / (lhi - llo)) * PANEL;
  const path = (pts: { step: number; value: number }[], y: (v: number) => number) =>
    pts.map((p, i) => `${i ? "L" : "M"}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`).join("");

  const shades = curves.abandoned.map((a) =>
    `<rect x="${x(a.fromStep).toFixed(1)}" y="${TOP}" width="${
      Math.max(1, x(a.toStep) - x(a.fromStep)).toFixed(1)
    }" ` +
    `height="${
      PANEL * 2 + GAP
    }" fill="#999" opacity="0.2"><title>abandoned (${a.why}) steps ${a.fromStep}-${a.toStep}</title></rect>`
  );
  const markers = curves.decisions.filter((d) => RULE_COLOURS[d.rule]).map((d) => {
    const colour = RULE_COLOURS[d.rule]!;
    const cx = x(d.step).toFixed(1);
    return `<line x1="${cx}" x2="${cx}" y1="${TOP}" y2="${
      top2 + PANEL
    }" stroke="${colour}" stroke-width="1" opacity="0.5"/>` +
      `<circle cx="${cx}" cy="${
        lrY(d.decision.lr).toFixed(1)
      }" r="4" fill="${colour}"><title>${d.rule} at step ${d.step}: ` +
      `m ${d.decision.mBefore.toPrecision(3)} → ${
        d.decision.mAfter.toPrecision(3)
      }</title></circle>`;
  });
  const ticks = (from: number, to: number, n: number) =>
    Array.from({ length: n + 1 }, (_, i) => from + ((to - from) * i) / n);
  const lossTicks = ticks(lo, hi, 4).map((v) =>
    `<text x="${LEFT - 6}" y="${lossY(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`
  );
  const lrTicks = ticks(llo, lhi, 4).map((v) =>
    `<text x="${LEFT - 6}" y="${lrY(10 ** v) + 4}" text-anchor="end">${
      (10 ** v).toExponential(1)
    }</text>`
  );
  const stepTicks = ticks(0, maxStep, 5).map((s) =>
    `<text x="${x(s)}" y="${top2 + PANEL + 16}" text-anchor="middle">${Math.round(s)}</text>`
  );
  const legend = Object.entries(RULE_COLOURS).filter(([rule]) =>
    curves.decisions.some((d) => d.rule === rule)
  )
    .map(([rule, colour], i) =>
      `<circle cx="${LEFT + 10 + i * 135}" cy="${
        TOP + PANEL * 2 + GAP + 36
      }" r="4" fill="${colour}"/>` +
      `<text x="${LEFT + 18 + i * 135}" y="${TOP + PANEL * 2 + GAP + 40}">${rule}</text>`
    );
  const H = TOP + PANEL * 2 + GAP + 56;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>
${shades.join("\n")}
<rect x="${LEFT}" y="${TOP}" width="${
    W - LEFT - RIGHT
  }" height="${PANEL}" fill="none" stroke="#ccc"/>
<rect x="${LEFT}" y="${top2}" width="${
    W - LEFT - RIGHT
  }" height="${PANEL}" fill="none" stroke="#ccc"/>
<text x="${W - RIGHT - 6}" y="${
    TOP + 14
  }" text-anchor="end">loss (train: blue line, validation: orange dots)</text>
<text x="${W - RIGHT - 6}" y="${
    top2 + 14
  }" text-anchor="end">effective learning rate (log scale)</text>
<path d="${path(train, lossY)}" fill="none" stroke="#1f77b4" stroke-width="1.2"/>
${
    val.map((p) =>
      `<circle cx="${x(p.step).toFixed(1)}" cy="${
        lossY(p.value).toFixed(1)
      }" r="3" fill="#ff7f0e"/>`
    ).join("")
  }
<path d="${path(lrs, lrY)}" fill="none" stroke="#333" stroke-width="1.5"/>
${markers.join("\n")}
${lossTicks.join("")}${lrTicks.join("")}${stepTicks.join("")}
<text x="${(W + LEFT) / 2}" y="${top2 + PANEL + 30}" text-anchor="middle">step</text>
${legend.join("")}
</svg>
`;
}

function escapeXml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}
