/**
 * The reference study: how far from the optimum an AdaLRS run ends, and how its final loss
 * compares with fixed LRs, for a grid of settings, start factors and seeds.
 *
 * @module
 */

import { ADALRS_DEFAULTS, type AdalrsConfig, type ControllerSetup } from "../../adalrs/mod.ts";
import { type SimTrainer, simulateRun } from "./run.ts";

/** A simulated trainer family: one trainer per seed, and where its optimum lies. */
export interface SimBench {
  name: string;
  /** The peak LR the study measures against. */
  optimumLr: number;
  /** Schedule and length of every run; `peakLr` and `adalrs` are set per case. */
  setup: Omit<ControllerSetup, "peakLr" | "adalrs">;
  // deno-lint-ignore no-explicit-any
  trainer(seed: number): SimTrainer<any>;
}

/** One line of the study's table: one setting from one start factor over all seeds. */
export interface StudyRow {
  bench: string;
  /** A label for the controller setting. */
  setting: string;
  startFactor: number;
  /** Final `m * peak / optimum` of each seed. */
  ratios: number[];
  /** Final noiseless loss of each seed. */
  losses: number[];
  /** Final loss of a fixed LR at the optimum, and at the start LR (same schedule). */
  fixedOptimum: number;
  fixedStart: number;
  /** How many decisions of each rule fired, summed over seeds. */
  rules: Record<string, number>;
}

/**
 * Runs one setting from one start factor over `seeds`.
 *
 * @param bench the trainer family
 * @param adalrs the controller setting (over {@linkcode ADALRS_DEFAULTS})
 * @param startFactor initial peak LR over the optimum
 * @param seeds the noise seeds
 * @param setting a label for the table
 */
export function studyRow(
  bench: SimBench,
  adalrs: Partial<AdalrsConfig>,
  startFactor: number,
  seeds: readonly number[],
  setting: string,
): StudyRow {
  const peakLr = bench.optimumLr * startFactor;
  const config = { ...ADALRS_DEFAULTS, ...adalrs };
  const fixed = (lr: number) =>
    simulateRun(bench.trainer(seeds[0]), {
      ...bench.setup,
      peakLr: lr,
      adalrs: { ...config, enabled: false },
    }).finalLoss;
  const rules: Record<string, number> = {};
  const ratios: number[] = [];
  const losses: number[] = [];
  for (const seed of seeds) {
    const run = simulateRun(bench.trainer(seed), { ...bench.setup, peakLr, adalrs: config });
    ratios.push(run.finalPeakLr / bench.optimumLr);
    losses.push(run.finalLoss);
    for (const d of run.decisions) rules[d.rule] = (rules[d.rule] ?? 0) + 1;
  }
  return {
    bench: bench.name,
    setting,
    startFactor,
    ratios,
    losses,
    fixedOptimum: fixed(bench.optimumLr),
    fixedStart: fixed(peakLr),
    rules,
  };
}

/** Summary numbers of a row, as the table prints them. */
export interface RowSummary {
  /** Geometric mean, minimum and maximum of the final LR ratio. */
  ratioGeo: number;
  ratioMin: number;
  ratioMax: number;
  /** Seeds that ended within a factor of 3 of the optimum. */
  within3: number;
  /** Mean final loss, and its difference from the two fixed-LR runs. */
  loss: number;
  vsOptimum: number;
  vsStart: number;
}

/** Summarises a row for the table. */
export function summarise(row: StudyRow): RowSummary {
  const logs = row.ratios.map(Math.log);
  const loss = row.losses.reduce((a, b) => a + b, 0) / row.losses.length;
  return {
    ratioGeo: Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length),
    ratioMin: Math.min(...row.ratios),
    ratioMax: Math.max(...row.ratios),
    within3: row.ratios.filter((r) => r <= 3 * (1 + 1e-9) && r >= 1 / 3 / (1 + 1e-9)).length,
    loss,
    vsOptimum: loss - row.fixedOptimum,
    vsStart: loss - row.fixedStart,
  };
}

/** Formats rows as a Markdown table. */
export function formatTable(rows: readonly StudyRow[]): string {
  const head = [
    "| bench | setting | start | LR/opt geo [min, max] | within 3x | loss | vs fixed@opt | " +
    "vs fixed@start | accept/restore+reject/revert |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  const lines = rows.map((row) => {
    const s = summarise(row);
    const r = row.rules;
    const trials = `${r["trial-accept"] ?? 0}/${
      (r["trial-restore"] ?? 0) + (r["trial-setback"] ?? 0) + (r["trial-reject"] ?? 0) +
      (r["trial-abort"] ?? 0)
    }/${r["trial-revert"] ?? 0}`;
    return `| ${row.bench} | ${row.setting} | ${startLabel(row.startFactor)} | ${
      s.ratioGeo.toFixed(2)
    } ` +
      `[${s.ratioMin.toFixed(2)}, ${s.ratioMax.toFixed(2)}] | ${s.within3}/${row.ratios.length} ` +
      `| ${s.loss.toFixed(4)} | ${signed(s.vsOptimum)} | ${signed(s.vsStart)} | ${trials} |`;
  });
  return [...head, ...lines].join("\n");
}

/** A start as a factor of the optimum: `10x`, `0.1x`, and `1/3x` where the decimal would be long. */
function startLabel(factor: number): string {
  const inverse = Math.round(1 / factor);
  const long = String(factor).length > 6;
  return long && Math.abs(1 / factor - inverse) < 1e-9 ? `1/${inverse}x` : `${factor}x`;
}

function signed(x: number): string {
  return (x >= 0 ? "+" : "") + x.toFixed(4);
}
