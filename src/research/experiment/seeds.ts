/**
 * One schedule's experiments over several seeds, summarised: per starting point, the median and
 * the worst over seeds of the final LR over the fit, the final loss against the fit LR's run and
 * against the fixed run at the same start, and the compute it saves to reach that fixed run's
 * loss (the paper's measure of cost); the spread of the fixed runs across seeds (how large a
 * difference must be to be real); and the multi-seed targets.
 *
 * @module
 */

import { CLEAR_MARGIN, MATCH_TOLERANCE, type TableRow, withinFactor } from "./report.ts";

/** What this module reads of one seed's `results.json`. */
export interface SeedReport {
  seed: number;
  rows: TableRow[];
  /** Validation curves, `[step, loss]`, by run id: results.json's `adalrs[].val`. */
  curves: Readonly<Record<string, readonly (readonly [number, number])[]>>;
}

/** One starting point over the seeds. */
export interface SeedRow {
  start: string;
  seeds: number;
  /** Final LR over the fit: median, and the seed farthest from 1 (in log terms). */
  lrMedian: number;
  lrWorst: number;
  /** Final loss against the same seed's fixed run at the fit LR: median and worst (highest). */
  vsFitMedian: number;
  vsFitWorst: number;
  /** Final loss against the same seed's fixed run at the same start: median and worst. */
  vsFixedMedian: number;
  vsFixedWorst: number;
  /**
   * The fraction of its steps a run saves to reach the final loss of the fixed run at the same
   * start: `1 - step / steps` at the first step its validation loss is that low (see
   * {@linkcode stepToReach}); `-Infinity` for a run that never gets there. Median and worst.
   */
  savedMedian: number;
  savedWorst: number;
}

/** The spread of one fixed LR's final loss across seeds. */
export interface FixedSpread {
  start: string;
  min: number;
  max: number;
  /** `(max - min) / min`. */
  spread: number;
}

/** A multi-seed target and whether it is met. */
export interface SeedTarget {
  target: string;
  value: string;
  pass: boolean;
}

/** The whole summary. */
export interface SeedSummary {
  rows: SeedRow[];
  fixed: FixedSpread[];
  targets: SeedTarget[];
}

/**
 * Summarises the AdaLRS and fixed rows of several seeds' reports.
 *
 * @param reports one report per seed, each with its own fixed baselines
 */
export function summariseSeeds(reports: readonly SeedReport[]): SeedSummary {
  const starts = [...new Set(reports.flatMap((r) => r.rows.map((row) => row.start)))];
  const adalrs = (start: string) =>
    reports.flatMap((report) =>
      report.rows.filter((row) => row.kind === "AdaLRS" && row.start === start).map((row) => ({
        row,
        saved: saved(report, row),
      }))
    );
  const rows: SeedRow[] = starts.map(adalrs).filter((pairs) => pairs.length > 0).map((pairs) => {
    const start = pairs[0].row.start;
    const runs = pairs.map((r) => r.row);
    const savings = pairs.map((r) => r.saved);
    const lr = runs.map((r) => r.lrOverFit);
    return {
      start,
      seeds: runs.length,
      lrMedian: median(lr),
      lrWorst: lr.reduce((a, b) => Math.abs(Math.log(b)) > Math.abs(Math.log(a)) ? b : a),
      vsFitMedian: median(runs.map((r) => r.vsFit)),
      vsFitWorst: Math.max(...runs.map((r) => r.vsFit)),
      vsFixedMedian: median(runs.map((r) => r.vsFixed)),
      vsFixedWorst: Math.max(...runs.map((r) => r.vsFixed)),
      savedMedian: median(savings),
      savedWorst: Math.min(...savings),
    };
  });
  const fixed = starts.flatMap((start) => {
    const losses = reports.flatMap((r) =>
      r.rows.filter((row) => row.kind === "fixed" && row.start === start).map((row) =>
        row.finalValLoss
      )
    );
    if (losses.length < 2) return [];
    const min = Math.min(...losses);
    const max = Math.max(...losses);
    return [{ start, min, max, spread: (max - min) / min }];
  });
  return { rows, fixed, targets: seedTargets(rows) };
}

/** What a run saved to reach the final loss of its seed's fixed run at the same start (`SeedRow`). */
function saved(report: SeedReport, run: TableRow): number {
  const fixed = report.rows.find((row) => row.kind === "fixed" && row.start === run.start);
  const curve = report.curves[run.runId];
  if (!fixed || !curve) return NaN;
  return 1 - stepToReach(curve, fixed.finalValLoss) / run.steps;
}

/**
 * The first step at which a validation curve is at or below `target`, interpolated linearly
 * between the two evaluations around it: how long a run took to reach a loss. Evaluations are
 * sparse (every 100 steps in the experiments), hence the interpolation; a curve already that low
 * at its first evaluation gives that evaluation's step.
 *
 * @param curve `[step, loss]` in step order
 * @param target the loss to reach
 * @returns The step, or `Infinity` when the curve never gets there.
 * @example
 * ```ts
 * import { stepToReach } from "./seeds.ts";
 * const step = stepToReach([[100, 3], [200, 2], [300, 1.5]], 1.75);
 * if (step !== 250) throw new Error(`halfway from 2 to 1.5 is step 250, not ${step}`);
 * ```
 */
export function stepToReach(
  curve: readonly (readonly [number, number])[],
  target: number,
): number {
  const i = curve.findIndex(([, loss]) => loss <= target);
  if (i < 0) return Infinity;
  if (i === 0) return curve[0][0];
  const [[s0, l0], [s1, l1]] = [curve[i - 1], curve[i]];
  return s0 + ((s1 - s0) * (l0 - target)) / (l0 - l1);
}

/**
 * The targets over seeds: from every start the median final LR within 3x of the fit and
 * the median loss within 2% of the fit LR's run; from the farthest starts the median loss at
 * least 1% below the fixed run at the same start; no run more than 3% worse than that run.
 */
function seedTargets(rows: readonly SeedRow[]): SeedTarget[] {
  const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}%`;
  const targets: SeedTarget[] = [];
  for (const r of rows) {
    targets.push({
      target: `from ${r.start}: median final LR within 3x of the fit`,
      value: `${r.lrMedian.toPrecision(3)}x`,
      pass: withinFactor(r.lrMedian, 3),
    });
    targets.push({
      target: `from ${r.start}: median final loss within ${pct(MATCH_TOLERANCE)} of the fit LR's`,
      value: pct(r.vsFitMedian),
      pass: r.vsFitMedian <= MATCH_TOLERANCE,
    });
  }
  for (const r of rows.filter((r) => r.start === rows[0].start || r.start === rows.at(-1)!.start)) {
    targets.push({
      target: `from ${r.start}: median loss at least ${
        pct(CLEAR_MARGIN).slice(1)
      } below the fixed run there`,
      value: pct(r.vsFixedMedian),
      pass: r.vsFixedMedian <= -CLEAR_MARGIN,
    });
  }
  const worst = Math.max(...rows.map((r) => r.vsFixedWorst));
  targets.push({
    target: "no run more than 3% worse than the fixed run at its own start",
    value: pct(worst),
    pass: worst <= 0.03,
  });
  return targets;
}

/**
 * The summary as Markdown: the per-start table, the fixed runs' spread, the targets.
 *
 * @param summary from {@linkcode summariseSeeds}
 * @param seeds the seeds it covers, for the heading
 */
export function seedMarkdown(summary: SeedSummary, seeds: readonly number[]): string {
  const pct = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(1)}%`;
  const lines = [
    `| start | seeds | final LR / fit: median (worst) | loss vs fit: median (worst) | loss vs fixed at start: median (worst) | steps saved to reach the fixed run's loss: median (worst) |`,
    "| --- | --- | --- | --- | --- | --- |",
    ...summary.rows.map((r) =>
      `| ${r.start} | ${r.seeds} | ${r.lrMedian.toPrecision(3)}x (${r.lrWorst.toPrecision(3)}x) | ${
        pct(r.vsFitMedian)
      } (${pct(r.vsFitWorst)}) | ${pct(r.vsFixedMedian)} (${pct(r.vsFixedWorst)}) | ${
        savedPct(r.savedMedian)
      } (${savedPct(r.savedWorst)}) |`
    ),
    "",
    `Fixed runs across seeds ${
      seeds.join(", ")
    } (the run-to-run spread; smaller differences are noise):`,
    "",
    "| fixed LR | final loss, min | max | spread |",
    "| --- | --- | --- | --- |",
    ...summary.fixed.map((f) =>
      `| ${f.start} | ${f.min.toFixed(4)} | ${f.max.toFixed(4)} | ${(100 * f.spread).toFixed(2)}% |`
    ),
    "",
    "| target | value | met |",
    "| --- | --- | --- |",
    ...summary.targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? "yes" : "**no**"} |`),
  ];
  return lines.join("\n") + "\n";
}

function savedPct(x: number): string {
  if (Number.isNaN(x)) return "—";
  return x === -Infinity ? "never" : `${(100 * x).toFixed(0)}%`;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
