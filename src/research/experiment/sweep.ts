/**
 * An LR grid sweep through the normal pipeline, and the experiment built on it: fixed-LR runs
 * on a log grid (AdaLRS off), the grid extended until the best point has `margin` neighbours each
 * side, then AdaLRS runs (same definition and seed, AdaLRS on) started at chosen grid points
 * around the fit.
 *
 * @module
 */

import { CONTROLLER_REVISION } from "../../adalrs/mod.ts";
import { RunDefinitionSchema } from "../../events/mod.ts";
import type { RunDefinition } from "../../events/mod.ts";
import {
  gridLr,
  initialIndices,
  type LrGrid,
  missingAround,
  offsetLabel,
  pickFit,
} from "./grid.ts";
import {
  createRuns,
  type ExecuteOptions,
  executeRuns,
  type PlannedRun,
  type RunResult,
} from "./runs.ts";
import type { ServiceEndpoint } from "../../client/mod.ts";

/** Options of {@linkcode runSweep}. */
export interface SweepOptions extends ExecuteOptions {
  /** The run definition; each grid run overrides `optimizer.lr`, `adalrs.enabled`, name, tags. */
  base: RunDefinition;
  grid: LrGrid;
  /** Points of the initial grid, centred on `grid.center`. */
  points: number;
  /** Run exactly these grid indices first instead of `points` around the center. */
  indices?: number[];
  /** Extend the grid until every point within `margin` steps of the best exists (0: never). */
  margin: number;
  /** Never run more grid points than this. @default points + 8 */
  maxPoints?: number;
  /** Names the runs and tags them, e.g. `quick-cosine`. */
  tag: string;
}

/** A finished sweep. */
export interface SweepResult {
  grid: LrGrid;
  /** Every grid run, by ascending LR. */
  runs: RunResult[];
  /** The run with the lowest final validation loss; null when every run diverged or failed. */
  fit: RunResult | null;
  /** Indices added beyond the initial grid. */
  extended: number[];
}

/**
 * The definition of a grid run: `base` at peak LR `lr`, AdaLRS off.
 *
 * @param base the sweep's run definition
 * @param lr the fixed peak LR
 * @param tag the sweep's name
 */
export function fixedRunDefinition(base: RunDefinition, lr: number, tag: string): RunDefinition {
  return variant(base, lr, false, `${tag}: fixed lr ${lr.toPrecision(3)}`, {
    sweep: tag,
    role: "sweep",
  });
}

/**
 * The definition of an AdaLRS run: `base` started at peak LR `lr`, AdaLRS on.
 *
 * @param base the sweep's run definition
 * @param lr the starting peak LR
 * @param tag the experiment's name
 * @param start where it starts, e.g. `fit/9`
 */
export function adalrsRunDefinition(
  base: RunDefinition,
  lr: number,
  tag: string,
  start: string,
): RunDefinition {
  return variant(base, lr, true, `${tag}: AdaLRS from ${start} (lr ${lr.toPrecision(3)})`, {
    sweep: tag,
    role: "adalrs",
    start,
    controller: String(CONTROLLER_REVISION),
  });
}

/**
 * Runs the grid, extends it while the best point lacks neighbours, and picks the fit.
 *
 * @param service where the runs train
 * @param opts the grid, the base definition, progress
 */
export async function runSweep(service: ServiceEndpoint, opts: SweepOptions): Promise<SweepResult> {
  const maxPoints = opts.maxPoints ?? opts.points + 8;
  const initial = opts.indices ?? initialIndices(opts.points);
  const byIndex = new Map<number, RunResult>();
  const extended: number[] = [];
  let todo = initial;
  while (todo.length > 0) {
    const planned: PlannedRun[] = todo.map((index) => {
      const lr = gridLr(opts.grid, index);
      return {
        label: `fixed ${lr.toExponential(2)}`,
        role: "sweep",
        index,
        definition: fixedRunDefinition(opts.base, lr, opts.tag),
      };
    });
    for (const result of await executeRuns(service, planned, opts)) {
      byIndex.set(result.index, result);
    }
    const fit = pickFit([...byIndex.values()]);
    if (fit === null || opts.margin <= 0) break;
    const room = maxPoints - byIndex.size;
    todo = missingAround(fit.index, byIndex.keys(), opts.margin).slice(0, Math.max(0, room));
    extended.push(...todo);
  }
  const runs = [...byIndex.values()].sort((a, b) => a.index - b.index);
  const best = pickFit(runs);
  return { grid: opts.grid, runs, fit: best && byIndex.get(best.index)!, extended };
}

/** Options of {@linkcode runExperiment}. */
export interface ExperimentOptions extends Omit<SweepOptions, "margin"> {
  /** Grid steps from the fit where AdaLRS runs start. @default [-2, -1, 1, 2] */
  offsets?: number[];
  /**
   * `sweep` (default): the fit is the best point of a sweep grown around `grid.center`.
   * `given`: `grid.center` is the fit, found earlier (another seed's sweep); only the fit and the
   * starting points run as fixed baselines, and the grid never grows.
   */
  fit?: "sweep" | "given";
  /** Train only the fixed runs (`fixed`), or everything (default). */
  only?: "fixed" | "all";
  /**
   * A finished sweep of the same definition and seed to reuse instead of training one (read back
   * from an earlier experiment's `results.json` with {@linkcode sweepFromResults}).
   */
  sweep?: SweepResult;
}

/**
 * The sweep recorded in an earlier experiment's `results.json`, to reuse its fixed-LR runs as
 * baselines when their store is gone: seeded training is bit-identical, so they would train
 * the same again. Only a sweep of the same training serves: its model, data, training (steps,
 * batches, seed), schedule and optimizer apart from the LR must be `base`'s, or its losses are
 * another experiment's baselines.
 *
 * @param json the parsed `results.json`
 * @param base the definition this experiment would sweep with
 * @returns its sweep, grid and fit
 * @throws Error naming the first setting where the recorded definition differs from `base`
 */
export function sweepFromResults(json: {
  grid: LrGrid;
  fit: { index: number };
  extended: number[];
  sweep: RunResult[];
  definition: RunDefinition;
}, base: RunDefinition): SweepResult {
  const differs = firstDifference(trainingOf(json.definition), trainingOf(base));
  if (differs !== null) {
    throw new Error(
      `the sweep was trained with ${differs.path} = ${differs.recorded}, this experiment has ${differs.wanted}`,
    );
  }
  const runs = json.sweep.map((r) => ({ ...r, finalValLoss: Number(r.finalValLoss) }));
  const fit = runs.find((r) => r.index === json.fit.index) ?? null;
  return { grid: json.grid, runs, fit, extended: json.extended };
}

/** What makes two fixed-LR runs at the same LR the same run: everything but names, tags, AdaLRS. */
function trainingOf(d: RunDefinition): Record<string, unknown> {
  const { lr: _lr, ...optimizer } = d.optimizer;
  return { model: d.model, data: d.data, training: d.training, schedule: d.schedule, optimizer };
}

/** The first leaf where `recorded` and `wanted` differ, as a dotted path, or null. */
function firstDifference(
  recorded: unknown,
  wanted: unknown,
  path = "",
): { path: string; recorded: string; wanted: string } | null {
  if (
    typeof recorded === "object" && recorded !== null && typeof wanted === "object" &&
    wanted !== null
  ) {
    const keys = new Set([...Object.keys(recorded), ...Object.keys(wanted)]);
    for (const key of [...keys].sort()) {
      const found = firstDifference(
        (recorded as Record<string, unknown>)[key],
        (wanted as Record<string, unknown>)[key],
        path === "" ? key : `${path}.${key}`,
      );
      if (found !== null) return found;
    }
    return null;
  }
  return recorded === wanted
    ? null
    : { path, recorded: JSON.stringify(recorded), wanted: JSON.stringify(wanted) };
}

/** A finished experiment: the sweep and the AdaLRS runs. */
export interface ExperimentOutcome {
  sweep: SweepResult;
  fit: RunResult;
  /** One per offset, in the order of `offsets`. */
  adalrs: RunResult[];
  offsets: number[];
}

/**
 * The sweep (extended so that every starting point is a grid point with its fixed-LR baseline),
 * then one AdaLRS run from each starting point.
 *
 * @param service where the runs train
 * @param opts the grid, the base definition, the starting offsets, progress
 */
export async function runExperiment(
  service: ServiceEndpoint,
  opts: ExperimentOptions,
): Promise<ExperimentOutcome> {
  const offsets = opts.offsets ?? DEFAULT_OFFSETS;
  const margin = Math.max(1, ...offsets.map(Math.abs));
  const given = opts.fit === "given";
  const plan = (fitIndex: number) => adalrsPlan(opts, offsets, fitIndex);
  // With the fit known, the AdaLRS runs need not wait for the baselines: queue them first.
  if (given && opts.only !== "fixed") await createRuns(service, plan(0), opts.equivalent);
  const sweep = opts.sweep ??
    (given
      ? await runSweep(service, { ...opts, indices: baselineIndices(offsets), margin: 0 })
      : await runSweep(service, { ...opts, margin }));
  const fit = given ? sweep.runs.find((r) => r.index === 0) ?? null : sweep.fit;
  if (fit === null || !Number.isFinite(fit.finalValLoss)) {
    throw new Error("Every run of the sweep diverged or failed: no fit LR");
  }
  if (opts.only === "fixed") return { sweep, fit, adalrs: [], offsets };
  const planned = plan(fit.index);
  const adalrs = await executeRuns(service, planned, opts);
  return { sweep, fit, adalrs, offsets };
}

/** Where AdaLRS runs start, in grid steps from the fit: fit/9, fit/3, fit·3, fit·9. */
const DEFAULT_OFFSETS = [-2, -1, 1, 2];

/** A given fit needs fixed baselines at the fit (index 0) and at each start only. */
function baselineIndices(offsets: readonly number[]): number[] {
  return [...new Set([0, ...offsets])].sort((a, b) => a - b);
}

/** One AdaLRS run from each offset around the fit at grid index `fitIndex`. */
function adalrsPlan(
  opts: Pick<ExperimentOptions, "base" | "grid" | "tag">,
  offsets: readonly number[],
  fitIndex: number,
): PlannedRun[] {
  return offsets.map((offset) => {
    const start = offsetLabel(opts.grid.spacing, offset);
    const index = fitIndex + offset;
    return {
      label: `AdaLRS from ${start}`,
      role: "adalrs",
      index,
      definition: adalrsRunDefinition(opts.base, gridLr(opts.grid, index), opts.tag, start),
    };
  });
}

/**
 * The runs an experiment whose fit is known (given, at grid index 0, or read from a reused sweep)
 * would train: the fixed baselines of a given fit (none when `sweep` is reused) and, unless `only`
 * is `fixed`, the AdaLRS runs. `--plan` matches them against a store's runs to say what is left.
 *
 * @param opts the experiment's options
 * @param fitIndex the fit's grid index
 */
export function plannedRuns(
  opts: Pick<ExperimentOptions, "base" | "grid" | "tag" | "offsets" | "only" | "sweep">,
  fitIndex: number,
): { fixed: RunDefinition[]; adalrs: RunDefinition[] } {
  const offsets = opts.offsets ?? DEFAULT_OFFSETS;
  return {
    fixed: opts.sweep
      ? []
      : baselineIndices(offsets).map((i) =>
        fixedRunDefinition(opts.base, gridLr(opts.grid, i), opts.tag)
      ),
    adalrs: opts.only === "fixed"
      ? []
      : adalrsPlan(opts, offsets, fitIndex).map((r) => r.definition),
  };
}

function variant(
  base: RunDefinition,
  lr: number,
  enabled: boolean,
  name: string,
  tags: Record<string, string>,
): RunDefinition {
  return RunDefinitionSchema.parse({
    ...base,
    name,
    tags: { ...base.tags, ...tags },
    mode: "managed",
    optimizer: { ...base.optimizer, lr },
    adalrs: { ...base.adalrs, enabled },
  });
}
