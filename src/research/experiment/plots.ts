/**
 * The experiment's three plots, drawn from its report alone (so a `results.json` can be
 * re-plotted without the store): validation loss curves, LR trajectories with the decisions
 * marked, and final loss against LR.
 *
 * @module
 */

import { RULE_COLOURS } from "../../replay/mod.ts";
import { offsetLabel } from "./grid.ts";
import type { ExperimentReport } from "./report.ts";
import type { RunResult } from "./runs.ts";
import { chartSvg, type Marker, type Segment, type Series } from "../../plot/mod.ts";

/** Losses above this multiple of the lowest one are drawn as crosses at the top. */
const TOO_HIGH = 1.6;

/** Colour of the runs that start `offset` grid steps from the fit (black for the fit). */
export function offsetColour(offset: number): string {
  const colours: Record<number, string> = {
    [-2]: "#6a3d9a",
    [-1]: "#1b9e77",
    0: "#000000",
    1: "#e6a100",
    2: "#b15928",
  };
  return colours[offset] ?? "#999999";
}

/**
 * Validation loss against step: the fixed-LR runs at the fit and at each AdaLRS start (dashed),
 * the AdaLRS runs (solid, same colour as their start). The first 15% of steps are cut off the
 * top so the differences at the end stay visible.
 *
 * @param report the experiment's report
 */
export function valLossPlot(report: ExperimentReport): string {
  const { fit, grid } = report;
  const series: Series[] = [];
  const offsets = [...new Set(report.rows.map((r) => r.offset))].sort((a, b) => a - b);
  for (const offset of offsets) {
    const fixed = report.sweep.find((r) => r.index === fit.index + offset);
    const ada = report.adalrs.find((r) => r.index === fit.index + offset);
    const label = offsetLabel(grid.spacing, offset);
    if (fixed) {
      series.push({
        name: `fixed LR at ${label}`,
        colour: offsetColour(offset),
        points: fixed.val,
        dash: offset !== 0,
        width: offset === 0 ? 2 : 1.2,
      });
    }
    if (ada) {
      series.push({ name: `AdaLRS from ${label}`, colour: offsetColour(offset), points: ada.val });
    }
  }
  const total = report.definition.training.steps;
  const late = series.flatMap((s) => s.points.filter(([step]) => step >= 0.15 * total));
  const finite = late.map(([, v]) => v).filter(Number.isFinite);
  return chartSvg({
    title: `Validation loss: ${report.profile} profile, ${report.schedule} schedule`,
    x: { label: "step", min: 0, max: total },
    y: {
      label: "validation loss",
      min: finite.length ? Math.min(...finite) - 0.02 : undefined,
      // A diverged run would squash the rest: cap the range at 1.6x the lowest loss.
      max: finite.length
        ? Math.min(Math.max(...finite), TOO_HIGH * Math.min(...finite)) + 0.02
        : undefined,
    },
    series,
  });
}

/**
 * Effective LR against step (log axis) for each AdaLRS run, with the fit LR's own schedule
 * dashed, and a marker at every decision that changed something, coloured by its rule.
 *
 * @param report the experiment's report
 */
export function lrPlot(report: ExperimentReport): string {
  const { fit, grid } = report;
  const fitRun = report.sweep.find((r) => r.index === fit.index);
  const series: Series[] = [];
  if (fitRun) {
    series.push({ name: "fit LR, fixed", colour: "#000000", points: fitRun.lr, dash: true });
  }
  const markers: Marker[] = [];
  for (const run of report.adalrs) {
    const offset = run.index - fit.index;
    series.push({
      name: `AdaLRS from ${offsetLabel(grid.spacing, offset)}`,
      colour: offsetColour(offset),
      points: run.lr,
    });
    for (const m of run.marks) {
      markers.push({
        x: m.step,
        y: m.lr,
        colour: RULE_COLOURS[m.rule] ?? "#999999",
        title: `${run.label}: ${m.rule} at step ${m.step}, multiplier now ${
          m.mAfter.toPrecision(3)
        }`,
        size: 3.5,
      });
    }
  }
  const rules = new Set(report.adalrs.flatMap((r) => r.marks.map((m) => m.rule)));
  const { searchStart, searchEnd } = report.definition.adalrs;
  return chartSvg({
    title: `Learning rate (decisions marked; search phase steps ${
      Math.round(searchStart * report.definition.training.steps)
    }-${Math.round(searchEnd * report.definition.training.steps)})`,
    x: { label: "step", min: 0, max: report.definition.training.steps },
    y: { label: "effective learning rate", log: true },
    series,
    markers,
    legend: Object.entries(RULE_COLOURS).filter(([rule]) => rules.has(rule as never)).map((
      [rule, colour],
    ) => ({ name: rule, colour })),
  });
}

/** Input of {@linkcode lossVsLrPlot}. */
export interface LossVsLrInput {
  title: string;
  spacing: number;
  /** The sweep's fixed-LR runs. */
  sweep: readonly RunResult[];
  fitIndex: number | null;
  /** AdaLRS runs: drawn from their start LR to their final LR, at their final loss. */
  adalrs?: readonly RunResult[];
}

/**
 * Final validation loss against LR (log axis): the sweep's curve, its best point ringed, runs
 * that diverged as crosses along the top, and each AdaLRS run as an arrow from its starting LR
 * (ring) to its final effective LR (dot) at the height of its final loss.
 *
 * @param input the sweep, the fit, the AdaLRS runs
 */
export function lossVsLrPlot(input: LossVsLrInput): string {
  const done = input.sweep.filter((r) => Number.isFinite(r.finalValLoss));
  const points = done.map((r) => [r.startLr, r.finalValLoss] as [number, number]);
  const adalrs = input.adalrs ?? [];
  const losses = [...points.map((p) => p[1]), ...adalrs.map((r) => r.finalValLoss)].filter(
    Number.isFinite,
  );
  const low = losses.length ? Math.min(...losses) : 1;
  const top = losses.length ? Math.min(Math.max(...losses), TOO_HIGH * low) : 1;
  const markers: Marker[] = [];
  const segments: Segment[] = [];
  const fit = input.sweep.find((r) => r.index === input.fitIndex);
  if (fit) {
    markers.push({
      x: fit.startLr,
      y: fit.finalValLoss,
      colour: "#000000",
      shape: "ring",
      size: 7,
      title: `fit LR ${fit.startLr.toExponential(2)}: ${fit.finalValLoss.toFixed(4)}`,
    });
  }
  for (const r of input.sweep.filter((r) => !(r.finalValLoss <= top))) {
    const what = Number.isFinite(r.finalValLoss)
      ? `loss ${r.finalValLoss.toPrecision(4)}, off the chart`
      : `${r.status}, no finite loss`;
    markers.push({
      x: r.startLr,
      y: top,
      colour: "#d62728",
      shape: "cross",
      title: `LR ${r.startLr.toExponential(2)}: ${what}`,
    });
  }
  for (const r of adalrs) {
    const offset = input.fitIndex === null ? NaN : r.index - input.fitIndex;
    const colour = offsetColour(offset);
    segments.push({ from: [r.startLr, r.finalValLoss], to: [r.finalLr, r.finalValLoss], colour });
    markers.push(
      { x: r.startLr, y: r.finalValLoss, colour, shape: "ring", title: `${r.label}: start` },
      {
        x: r.finalLr,
        y: r.finalValLoss,
        colour,
        title: `${r.label}: final LR ${r.finalLr.toExponential(2)}, loss ${
          r.finalValLoss.toFixed(4)
        }`,
        size: 5,
      },
    );
  }
  return chartSvg({
    title: input.title,
    y: {
      label: "final validation loss",
      min: low - 0.03 * (top - low),
      max: top + 0.03 * (top - low),
    },
    x: {
      label: "peak learning rate (AdaLRS: ring at the start LR, dot at the final effective LR)",
      log: true,
    },
    series: [
      {
        name: "fixed-LR sweep",
        colour: "#555555",
        points: points.filter(([, v]) => v <= top),
        dots: true,
      },
      ...adalrs.map((r) => ({
        name: r.label,
        colour: offsetColour(input.fitIndex === null ? NaN : r.index - input.fitIndex),
        points: [] as [number, number][],
      })),
    ],
    markers,
    segments,
  });
}
