/**
 * The results of an experiment as data: a table row per run around the fit, the cost of AdaLRS
 * against the sweep's, and the targets checked. `reportMarkdown` renders it; the JSON file is
 * the same object.
 *
 * @module
 */

import type { RunDefinition } from "../events/mod.ts";
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
  startedAt: string;
  wallSeconds: number;
  /** The base run definition (its `optimizer.lr` is replaced in every run). */
  definition: RunDefinition;
  workers: number;
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
      pass: r.lrOverFit >= 1 / 3 && r.lrOverFit <= 3,
    });
  }
  return checks;
}

/**
 * The report as markdown: the table, the cost, the targets, the sweep, the command and commit.
 *
 * @param report the report
 * @param plots plot file names to embed, relative to the markdown file
 */
export function reportMarkdown(report: ExperimentReport, plots: string[] = []): string {
  const d = report.definition;
  const model = d.model?.kind === "gpt"
    ? `GPT ${d.model.layers} layers × width ${d.model.width}, ${
      fmtCount(report.sweep[0]?.parameters ?? 0)
    } parameters`
    : `${d.model?.kind ?? "?"} model`;
  const lines = [
    `# ${report.profile} profile, ${report.schedule} schedule`,
    "",
    `${model}; ${d.training.steps} steps × ${d.training.batchSize} × ${d.training.sequenceLength} ` +
    `tokens; AdaLRS window ${d.adalrs.window}, search phase [${d.adalrs.searchStart}, ` +
    `${d.adalrs.searchEnd}], reference \`${d.adalrs.reference}\`; seed ${d.training.seed}.`,
    `Fit LR ${sci(report.fit.lr)} (final validation loss ${report.fit.finalValLoss.toFixed(4)}), ` +
    `the best of a ${report.cost.sweepRuns}-point grid spaced ${report.grid.spacing}x` +
    (report.extended.length ? ` (extended by ${report.extended.length} at its edge)` : "") + ".",
    "",
    "| run | start | start LR | final val loss | vs fit | vs fixed, same start | final LR / fit | steps | tokens | wall |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...report.rows.map((r) =>
      `| ${r.kind} | ${r.start} | ${sci(r.startLr)} | ${loss(r.finalValLoss)} | ${
        r.offset === 0 && r.kind === "fixed" ? "—" : signedPct(r.vsFit)
      } | ${r.kind === "AdaLRS" ? signedPct(r.vsFixed) : "—"} | ${r.lrOverFit.toPrecision(3)} | ${
        fmtCount(r.steps)
      } | ${fmtCount(r.tokens)} | ${duration(r.wallSeconds)} |`
    ),
    "",
    `**Cost.** One AdaLRS run: ${fmtCount(report.cost.adalrsTokens)} training tokens. ` +
    `The sweep that found the fit LR: ${fmtCount(report.cost.sweepTokens)} tokens over ` +
    `${report.cost.sweepRuns} runs, ${report.cost.ratio.toFixed(1)}x as much.`,
    "",
    "| target | value | met |",
    "| --- | --- | --- |",
    ...report.targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? "yes" : "**no**"} |`),
    "",
    "The sweep (fixed LR, AdaLRS off):",
    "",
    "| LR | / fit | final val loss | status | wall |",
    "| --- | --- | --- | --- | --- |",
    ...report.sweep.map((r) =>
      `| ${sci(r.startLr)} | ${offsetLabel(report.grid.spacing, r.index - report.fit.index)} | ${
        loss(r.finalValLoss)
      } | ${r.status} | ${duration(r.wallSeconds)} |`
    ),
    "",
    ...plots.map((p) => `![${p}](${p})`),
    ...(plots.length ? [""] : []),
    `Command: \`${report.command}\`  `,
    `Commit: \`${report.commit}\`${report.dirty ? " (with uncommitted changes)" : ""}; ` +
    `started ${report.startedAt}, ${duration(report.wallSeconds)} wall with ${report.workers} ` +
    "worker(s).",
    "",
  ];
  return lines.join("\n");
}

/**
 * The report as JSON: non-finite numbers as strings (`"NaN"`), arrays of numbers on one line.
 *
 * @param report the report
 */
export function reportJson(report: ExperimentReport): string {
  const text = JSON.stringify(
    report,
    (_k, v) => typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
    2,
  );
  const squeeze = (match: string) => match.replace(/\s+/g, "");
  return text.replace(FLAT_ARRAY, squeeze).replace(ARRAY_OF_FLAT, squeeze) + "\n";
}

// A JSON scalar without whitespace inside, an array of them, and an array of such arrays.
const SCALAR = String.raw`(?:-?[\d.eE+-]+|"[^"\\\s]*"|null|true|false)`;
const FLAT_ARRAY = new RegExp(String.raw`\[\s*${SCALAR}(?:\s*,\s*${SCALAR})*\s*\]`, "g");
const ARRAY_OF_FLAT = /\[\s*\[[^[\]\s]*\](?:\s*,\s*\[[^[\]\s]*\])*\s*\]/g;

function sci(x: number): string {
  return x.toExponential(2);
}

function loss(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}

function signedPct(x: number): string {
  if (!Number.isFinite(x)) return "—";
  return `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}%`;
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}
