/**
 * Made-up run results for the report and plot tests.
 *
 * @module
 */

import { CONTROLLER_REVISION } from "../../../src/adalrs/mod.ts";
import { RunDefinitionSchema } from "../../../src/events/mod.ts";
import type {
  ExperimentOutcome,
  ReportMeta,
  RunResult,
} from "../../../src/research/experiment/mod.ts";

/** A finished run at grid index `index` (grid 1e-3 · 3^k) with the given final loss. */
export function result(
  index: number,
  finalValLoss: number,
  opts: Partial<RunResult> = {},
): RunResult {
  const startLr = 1e-3 * 3 ** index;
  return {
    label: `fixed ${startLr.toExponential(2)}`,
    role: "sweep",
    index,
    runId: `r${index + 10}`,
    status: "completed",
    reason: null,
    startLr,
    finalValLoss,
    multiplier: 1,
    finalLr: startLr,
    steps: 1000,
    tokens: 1000 * 512,
    parameters: 22_000,
    wallSeconds: 60,
    startedAt: "2025-01-01T00:00:00.000Z",
    endedAt: "2025-01-01T00:01:00.000Z",
    decisions: {},
    commit: index % 2 ? "abc+dirty" : "def",
    val: [[0, 5], [500, finalValLoss + 0.2], [1000, finalValLoss]],
    lr: [[0, startLr], [999, startLr / 10]],
    marks: [],
    revision: CONTROLLER_REVISION,
    ...opts,
  };
}

/** An AdaLRS run that started at `index` and ended at LR multiplier `m`. */
export function adalrs(index: number, finalValLoss: number, m: number): RunResult {
  const r = result(index, finalValLoss);
  return {
    ...r,
    label: `AdaLRS from ${index}`,
    role: "adalrs",
    runId: `a${index + 10}`,
    multiplier: m,
    finalLr: r.startLr * m,
    decisions: { "upscale-trial": 2, "trial-accept": 1, "trial-setback": 1 },
    marks: [{ step: 200, rule: "trial-accept", lr: r.startLr * m, mAfter: m }],
  };
}

/** A sweep whose best point is index 0 (loss 2.0), with AdaLRS runs around it. */
export function outcome(): ExperimentOutcome {
  const losses: Record<number, number> = { [-3]: 2.6, [-2]: 2.4, [-1]: 2.1, 0: 2, 1: 2.05, 2: 2.3 };
  const sweep = Object.entries(losses).map(([k, v]) => result(Number(k), v));
  sweep.push(result(3, NaN, { status: "failed", reason: "diverged" }));
  const fit = sweep.find((r) => r.index === 0)!;
  return {
    sweep: { grid: { center: 1e-3, spacing: 3 }, runs: sweep, fit, extended: [] },
    fit,
    offsets: [-2, -1, 1, 2],
    adalrs: [adalrs(-2, 2.03, 6), adalrs(-1, 2.01, 2.5), adalrs(1, 2.02, 0.5), adalrs(2, 2.2, 0.1)],
  };
}

/** Report metadata around {@linkcode outcome}. */
export function meta(): ReportMeta {
  return {
    profile: "test",
    schedule: "cosine",
    command: "npx -y deno@2.9.6 task experiment --profile test",
    commit: "0123456789abcdef",
    dirty: true,
    startedAt: "2025-01-01T00:00:00.000Z",
    wallSeconds: 660,
    workers: 2,
    definition: RunDefinitionSchema.parse({
      model: { kind: "synthetic" },
      training: { steps: 1000 },
      optimizer: { lr: 1e-3 },
    }),
  };
}
