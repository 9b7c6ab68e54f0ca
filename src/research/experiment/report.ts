/**
 * The results of an experiment as data: a table row per run around the fit, the cost of AdaLRS
 * against the sweep's, and the targets checked. `render.ts` writes it as markdown and JSON.
 *
 * @module
 */

import type { RunDefinition } from "../../events/mod.ts";
import { pct, signedPct } from "./_format.ts";
import { gridLr, type LrGrid, offsetLabel } from "./grid.ts";
import type { RunResult } from "./runs.ts";
import type { ExperimentOutcome } from "./sweep.ts";

/** Where and how the experiment ran. */
export interface ReportMeta {
  profile: string;
  schedule: string;
  /** The exact command line. */
  command: string;
  /** `git rev-parse HEAD`, and whether the working tree had uncommitted changes. */
  commit: string;
  dirty: boolean;
  /** When the first run was leased, and the wall time until the last one ended. */
  startedAt: string;
  wallSeconds: number;
  /** The base run definition (its `optimizer.lr` is replaced in every run). */
  definition: RunDefinition;
  workers: number;
  /** The fit LR came from another seed's sweep (`--fit`), not from this experiment's grid. */
  fitGiven?: boolean;
}

/** One line of the main table. */
export interface TableRow {
  kind: "fixed" | "AdaLRS";
  /** Where the run starts relative to the fit: `fit/9`, `fit`, `fit·3`. */
  start: string;
  offset: number;
  startLr: number;
  finalValLoss: number;
  /** `(loss - fit's loss) / fit's loss`. */
  vsFit: number;
  /** For AdaLRS: `(loss - fixed run at the same start) / that`; NaN for fixed runs. */
  vsFixed: number;
  /** Final effective LR over the fit LR. */
  lrOverFit: number;
  steps: number;
  tokens: number;
  wallSeconds: number;
  runId: string;
  /**
   * How the run ended: a row that did not complete shows this instead of its loss (absent from
   * pages written before it, whose rows all completed).
   */
  status?: RunResult["status"];
}

/** One target the published run is judged on. */
export interface TargetCheck {
  target: string;
  value: string;
  pass: boolean;
}

/** The whole result, as written to `results.json`. */
export interface ExperimentReport extends ReportMeta {
  grid: LrGrid;
  fit: { index: number; lr: number; finalValLoss: number; runId: string };
  extended: number[];
  rows: TableRow[];
  cost: { adalrsTokens: number; sweepTokens: number; sweepRuns: number; ratio: number };
  targets: TargetCheck[];
  sweep: RunResult[];
  adalrs: RunResult[];
}

/** "Clearly below": at least this relative margin. */
export const CLEAR_MARGIN = 0.01;
/** "Matches the fit": final loss at most this much above the fit LR's. */
export const MATCH_TOLERANCE = 0.02;

/**
 * Whether a ratio of LRs is within `factor` either way, inclusive, with room for rounding: a run
 * that stayed at fit·3 (3e-3 · 3 / 3e-3 = 3.0000000000000004 in floating point) is within 3x.
 *
 * @param ratio an LR over the fit LR
 * @param factor how far either way counts as within
 */
export function withinFactor(ratio: number, factor: number): boolean {
  return ratio >= (1 / factor) * (1 - 1e-9) && ratio <= factor * (1 + 1e-9);
}

/**
 * Builds the report of a finished experiment.
 *
 * @param outcome what {@linkcode runExperiment} returned
 * @param meta where and how it ran
 */
export function buildReport(outcome: ExperimentOutcome, meta: ReportMeta): ExperimentReport {
  const { sweep, fit } = outcome;
  const { spacing } = sweep.grid;
  const fixedAt = (index: number) => sweep.runs.find((r) => r.index === index);
  const row = (r: RunResult, kind: TableRow["kind"]): TableRow => {
    const fixed = kind === "AdaLRS" ? fixedAt(r.index) : undefined;
    return {
      kind,
      start: offsetLabel(spacing, r.index - fit.index),
      offset: r.index - fit.index,
      startLr: r.startLr,
      finalValLoss: r.finalValLoss,
      vsFit: r.finalValLoss / fit.finalValLoss - 1,
      vsFixed: fixed ? r.finalValLoss / fixed.finalValLoss - 1 : NaN,
      lrOverFit: r.finalLr / fit.startLr,
      steps: r.steps,
      tokens: r.tokens,
      wallSeconds: r.wallSeconds,
      runId: r.runId,
      status: r.status,
    };
  };
  const offsets = [...new Set([0, ...outcome.offsets])].sort((a, b) => a - b);
  const rows: TableRow[] = [];
  for (const offset of offsets) {
    const fixed = fixedAt(fit.index + offset);
    if (fixed) rows.push(row(fixed, "fixed"));
    const ada = outcome.adalrs.find((r) => r.index === fit.index + offset);
    if (ada) rows.push(row(ada, "AdaLRS"));
  }
  const adalrsTokens = outcome.adalrs.length ? Math.max(...outcome.adalrs.map((r) => r.tokens)) : 0;
  const sweepTokens = sweep.runs.reduce((sum, r) => sum + r.tokens, 0);
  return {
    ...meta,
    grid: sweep.grid,
    fit: {
      index: fit.index,
      lr: gridLr(sweep.grid, fit.index),
      finalValLoss: fit.finalValLoss,
      runId: fit.runId,
    },
    extended: sweep.extended,
    rows,
    cost: {
      adalrsTokens,
      sweepTokens,
      sweepRuns: sweep.runs.length,
      ratio: adalrsTokens > 0 ? sweepTokens / adalrsTokens : NaN,
    },
    targets: checkTargets(rows),
    sweep: sweep.runs,
    adalrs: outcome.adalrs,
  };
}

/**
 * The targets: from fit/9 and fit/3 within 2% of the fit and clearly below the fixed run at the
 * same start; from fit·3 clearly below the fixed run; every final LR within 3x of the fit.
 *
 * @param rows the table's rows
 */
export function checkTargets(rows: readonly TableRow[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const r of rows.filter((r) => r.kind === "AdaLRS")) {
    const from = `from ${r.start}`;
    if (r.offset < 0) {
      checks.push({
        target: `${from}: final loss within ${pct(MATCH_TOLERANCE)} of the fit LR's`,
        value: signedPct(r.vsFit),
        pass: r.vsFit <= MATCH_TOLERANCE,
      });
    }
    if (r.offset !== 0) {
      checks.push({
        target: `${from}: at least ${pct(CLEAR_MARGIN)} below the fixed run at ${r.start}`,
        value: signedPct(r.vsFixed),
        pass: r.vsFixed <= -CLEAR_MARGIN,
      });
    }
    checks.push({
      target: `${from}: final LR within 3x of the fit`,
      value: `${r.lrOverFit.toPrecision(3)}x`,
      pass: withinFactor(r.lrOverFit, 3),
    });
  }
  return checks;
}
