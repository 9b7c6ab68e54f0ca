// @ts-check
/// <reference lib="dom" />
/**
 * uPlot charts against step: aligning several curves on one x axis, and a chart that follows
 * its container's width.
 *
 * @module
 */

import uPlot from "uplot";
import { num } from "./common.js";

/** @typedef {{ step: number[], value: number[] }} Columns */
/** @typedef {uPlot} Chart a uPlot chart */

/** Line colours of runs on the compare page, in order. */
export const PALETTE = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#8c564b",
  "#e377c2",
  "#17becf",
];

/**
 * Puts curves sampled at different steps on one x axis: the union of their steps, with null
 * where a curve has no point (uPlot's aligned data).
 *
 * @param {Columns[]} curves
 * @returns {uPlot.AlignedData}
 */
export function align(curves) {
  const steps = [...new Set(curves.flatMap((c) => c.step))].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const ys = curves.map((c) => {
    /** @type {(number | null)[]} */
    const y = new Array(steps.length).fill(null);
    c.step.forEach((s, i) => (y[/** @type {number} */ (at.get(s))] = c.value[i]));
    return y;
  });
  return [steps, ...ys];
}

/**
 * @typedef {object} SeriesSpec
 * @property {string} label
 * @property {string} stroke
 * @property {number[]} [dash]
 * @property {boolean} [dots] points only, no line (validation loss)
 * @property {boolean} [stepped] hold each value until the next point (a learning rate)
 * @property {boolean} [holds] the value stays in force until the next point, so the hover
 *   readout between points shows the last one (an LR recorded only where it changes)
 */

/**
 * A chart of curves against step that resizes with its container.
 *
 * @param {HTMLElement} container
 * @param {object} opts
 * @param {string} opts.yLabel
 * @param {boolean} [opts.log] a log10 y axis
 * @param {(v: number) => string} [opts.format] how a y value reads in the axis and the hover
 *   readout [default: {@link num}, to four significant digits at any scale]
 * @param {number} [opts.height]
 * @param {SeriesSpec[]} opts.series
 * @param {uPlot.Hooks.Arrays} [opts.hooks]
 * @returns {uPlot}
 */
export function createChart(container, opts) {
  const stepped = uPlot.paths.stepped?.({ align: 1 });
  const format = opts.format ?? ((/** @type {number} */ v) => num(v));
  // Every value reads at its own scale: uPlot's default rounds an LR of 2.8e-4 to 0.
  /** @param {boolean} holds */
  const readout = (holds) =>
  /** @type {(u: uPlot, v: number | null, si: number, i: number | null) => string} */
  (u, v, si, i) => {
    if (v == null && holds && i != null) v = lastBefore(u.data[si], i);
    return v == null ? "–" : format(v);
  };
  /** @type {uPlot.Series[]} */
  const series = [
    { label: "step" },
    ...opts.series.map((s) => ({ ...seriesOf(s, stepped), value: readout(!!s.holds) })),
  ];
  const { fg, grid } = themeColours();
  /** @type {uPlot.Options} */
  const options = {
    width: Math.max(300, container.clientWidth),
    height: opts.height ?? 240,
    scales: { x: { time: false }, y: opts.log ? { distr: 3, log: 10 } : {} },
    series,
    axes: [
      { label: "step", stroke: fg, grid: { stroke: grid }, ticks: { stroke: grid } },
      {
        label: opts.yLabel,
        size: 70,
        stroke: fg,
        grid: { stroke: grid },
        ticks: { stroke: grid },
        values: opts.log
          ? (_u, ticks) => ticks.map((t) => t == null ? "" : t.toExponential(0))
          : (_u, ticks) => ticks.map((t) => t == null ? "" : format(t)),
      },
    ],
    cursor: { sync: { key: "adalrs" } },
    legend: { live: true },
    hooks: opts.hooks ?? {},
  };
  const chart = new uPlot(options, [[], ...opts.series.map(() => [])], container);
  new ResizeObserver(() => {
    const width = Math.max(300, container.clientWidth);
    if (width !== chart.width) chart.setSize({ width, height: chart.height });
  }).observe(container);
  return chart;
}

/**
 * The last value at or before index `i` of a series with gaps.
 *
 * @param {uPlot.AlignedData[number]} ys
 * @param {number} i
 * @returns {number | null}
 */
function lastBefore(ys, i) {
  for (let j = i; j >= 0; j--) {
    const y = ys[j];
    if (typeof y === "number") return y;
  }
  return null;
}

/**
 * The page's text and grid colours, from its CSS (they change with the system's dark mode).
 *
 * @returns {{ fg: string, grid: string }}
 */
export function themeColours() {
  const style = getComputedStyle(document.documentElement);
  return {
    fg: style.getPropertyValue("--fg").trim() || "#222",
    grid: style.getPropertyValue("--grid").trim() || "rgba(0,0,0,0.1)",
  };
}

/**
 * @param {SeriesSpec} s
 * @param {uPlot.Series.PathBuilder | undefined} stepped
 * @returns {uPlot.Series}
 */
function seriesOf(s, stepped) {
  if (s.dots) {
    return {
      label: s.label,
      stroke: s.stroke,
      paths: () => null,
      points: { show: true, size: 6, fill: s.stroke, stroke: s.stroke },
    };
  }
  return {
    label: s.label,
    stroke: s.stroke,
    width: 1.5,
    dash: s.dash,
    spanGaps: true,
    paths: s.stepped ? stepped : undefined,
    points: { show: false },
  };
}

/**
 * The last step a run's charts show: all its steps while it runs, those it reached once it ended.
 *
 * @param {{ status: string, totalSteps: number, train: Columns, val: Columns }} curves
 */
export function lastStep(curves) {
  if (curves.status === "queued" || curves.status === "running") return curves.totalSteps;
  return Math.max(curves.train.step.at(-1) ?? 0, curves.val.step.at(-1) ?? 0);
}

/**
 * Replaces a chart's data and shows steps 0 to `lastStep`: the charts of one page share an x
 * range, and a running run's curves grow into it. A range the user zoomed into (drag to zoom,
 * double-click to reset) is kept.
 *
 * @param {uPlot} chart
 * @param {uPlot.AlignedData} data
 * @param {number} lastStep
 */
export function setCurves(chart, data, lastStep) {
  const xs = chart.data[0];
  const { min, max } = chart.scales.x;
  const zoomed = xs.length > 0 && min !== undefined && max !== undefined &&
    (min > xs[0] || max < xs[xs.length - 1]);
  chart.setData(data, !zoomed);
  if (!zoomed && lastStep > 0) chart.setScale("x", { min: 0, max: lastStep });
}

/**
 * Traces a diamond of half-width `r` around (cx, cy): a decision marker. The caller fills or
 * strokes it.
 *
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} cx
 * @param {number} cy
 * @param {number} r
 */
export function diamond(ctx, cx, cy, r) {
  ctx.beginPath();
  ctx.moveTo(cx, cy - r);
  ctx.lineTo(cx + r, cy);
  ctx.lineTo(cx, cy + r);
  ctx.lineTo(cx - r, cy);
  ctx.closePath();
}

/**
 * Draws on a chart's canvas, clipped to the plotting area, in canvas pixels.
 *
 * @param {uPlot} u
 * @param {(ctx: CanvasRenderingContext2D, x: (step: number) => number) => void} draw
 */
export function onCanvas(u, draw) {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
  ctx.clip();
  draw(ctx, (step) => u.valToPos(step, "x", true));
  ctx.restore();
}
