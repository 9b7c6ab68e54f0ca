/**
 * Running a batch of managed runs through a service and summarising each from its event log.
 *
 * A run whose definition is already in the store (same resolved definition, not failed or
 * cancelled) is reused instead of created again: an interrupted sweep picks up where it stopped,
 * and its unfinished runs resume from their checkpoints once a worker leases them again. With
 * `equivalent`, a completed run that differs only in its AdaLRS settings is reused too when its
 * losses, refolded with the wanted settings, give every decision it recorded (see
 * {@linkcode decidesAlike}).
 *
 * @module
 */

import { decodeLoss, type Rule } from "../../adalrs/mod.ts";
import {
  describeBackend,
  isTerminal,
  type RunDefinition,
  type RunEvent,
  type RunStatus,
  type RunView,
} from "../../events/mod.ts";
import { diff, downsample, replayRun, RULE_COLOURS, runCurves } from "../../replay/mod.ts";
import { createRun, getRun, listRuns, readEvents, type ServiceEndpoint } from "../../client/mod.ts";

/** A run to make: which grid point it starts at, and whether AdaLRS drives it. */
export interface PlannedRun {
  /** Unique within an experiment, e.g. `fixed 1.00e-3` or `AdaLRS from fit/9`. */
  label: string;
  role: "sweep" | "adalrs";
  /** Grid index of its starting LR. */
  index: number;
  definition: RunDefinition;
}

/** What a finished run came to; plain JSON data (non-finite numbers aside). */
export interface RunResult {
  label: string;
  role: "sweep" | "adalrs";
  index: number;
  runId: string;
  status: RunStatus;
  reason: string | null;
  /** `optimizer.lr`: the peak of the base schedule the run started with. */
  startLr: number;
  /** Final validation loss; NaN when the run did not complete or diverged. */
  finalValLoss: number;
  /** Final AdaLRS multiplier (1 for a fixed-LR run). */
  multiplier: number;
  /** Final effective peak LR, `multiplier * startLr`: the LR it would rerun with. */
  finalLr: number;
  /** Compute steps, rejected trials included, and the training tokens they took. */
  steps: number;
  tokens: number;
  parameters: number;
  /** From the first lease to the last event, and those two times. */
  wallSeconds: number;
  startedAt: string | null;
  endedAt: string;
  /** How often each rule fired (abandoned decisions left out). */
  decisions: Partial<Record<Rule, number>>;
  /** The `commit` tag of its definition: the checkout it was created from. */
  commit: string | null;
  /**
   * What trained it, as {@linkcode describeBackend} words it; null (or absent, in results written
   * before it was recorded) when unknown. Different BLAS kernels round differently, so the same
   * definition trained on two machines drifts apart: 0.7% in the final loss at 9x the fit LR.
   */
  backend?: string | null;
  /** The controller revision that decided it (it may be older than the planned one when reused). */
  revision: number;
  /** Validation loss curve, `[step, loss]`. */
  val: [number, number][];
  /** Effective LR per step, downsampled, `[step, lr]`. */
  lr: [number, number][];
  /** The decisions that changed something, for plot markers. */
  marks: { step: number; rule: Rule; lr: number; mAfter: number }[];
}

/** Receives progress while runs train. */
export interface ProgressSink {
  /** The latest state of the runs being waited on. */
  update(rows: ProgressRow[]): void;
  /** One run finished. */
  finished(result: RunResult): void;
}

/** One run's progress. */
export interface ProgressRow {
  label: string;
  status: RunStatus;
  step: number;
  totalSteps: number;
  valLoss: number | null;
}

/** Options of {@linkcode executeRuns}. */
export interface ExecuteOptions {
  progress?: ProgressSink;
  /** How often to poll each unfinished run, in ms. @default 1000 */
  pollMs?: number;
  /** Give up after this long, in ms. @default no limit */
  timeoutMs?: number;
  /** Reuse runs that other AdaLRS settings decided alike ({@linkcode decidesAlike}). */
  equivalent?: boolean;
}

/**
 * Creates (or reuses) each planned run and waits until all have ended.
 *
 * @param service where the runs train
 * @param planned the runs
 * @param opts progress, poll interval, timeout
 * @returns one result per planned run, in the same order
 */
export async function executeRuns(
  service: ServiceEndpoint,
  planned: readonly PlannedRun[],
  opts: ExecuteOptions = {},
): Promise<RunResult[]> {
  const views = await createRuns(service, planned, opts.equivalent ?? false);
  const results: (RunResult | null)[] = planned.map(() => null);
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  for (;;) {
    for (let i = 0; i < planned.length; i++) {
      if (results[i] !== null) continue;
      if (!isTerminal(views[i].status)) views[i] = await getRun(service, views[i].id);
      if (isTerminal(views[i].status)) {
        const events = await readEvents(service, views[i].id);
        results[i] = summariseRun(planned[i], views[i], events);
        opts.progress?.finished(results[i]!);
      }
    }
    opts.progress?.update(views.map((v, i) => progressRow(planned[i].label, v)));
    if (results.every((r) => r !== null)) return results as RunResult[];
    if (Date.now() > deadline) {
      throw new Error(`Runs still unfinished after ${opts.timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 1000));
  }
}

/**
 * Creates each planned run that the store does not already hold (see {@linkcode findReusable}),
 * in order: workers lease the oldest runs first, so the order is the training order.
 *
 * @param service where the runs train
 * @param planned the runs
 * @param equivalent also reuse a run that other AdaLRS settings decided alike
 * @returns the view of each planned run, created or reused, in the same order
 */
export async function createRuns(
  service: ServiceEndpoint,
  planned: readonly PlannedRun[],
  equivalent = false,
): Promise<RunView[]> {
  const existing = planned.length ? await listRuns(service) : [];
  const views: RunView[] = [];
  for (const run of planned) {
    views.push(
      findReusable(existing, run.definition) ??
        (equivalent ? await findEquivalent(service, existing, run.definition) : null) ??
        await createRun(service, run.definition),
    );
  }
  return views;
}

/**
 * A completed AdaLRS run whose definition differs from `definition` only in its AdaLRS settings
 * and which those settings would have decided alike: seeded training is deterministic, so the run
 * they would train is that run, step for step.
 *
 * @param service where the runs are
 * @param views the store's runs
 * @param definition the definition wanted
 */
async function findEquivalent(
  service: ServiceEndpoint,
  views: readonly RunView[],
  definition: RunDefinition,
): Promise<RunView | null> {
  if (!definition.adalrs.enabled) return null;
  const wanted = canonicalJson(apartFromController(definition));
  for (const view of views) {
    if (view.status !== "completed" || !view.definition.adalrs.enabled) continue;
    if (canonicalJson(apartFromController(view.definition)) !== wanted) continue;
    if (decidesAlike(await readEvents(service, view.id), definition.adalrs)) return view;
  }
  return null;
}

/**
 * Whether a recorded run's losses, refolded with other AdaLRS settings, give every decision it
 * recorded, field for field (replay must itself be identical).
 *
 * @param events the run's log
 * @param adalrs the other settings
 */
export function decidesAlike(
  events: readonly RunEvent[],
  adalrs: RunDefinition["adalrs"],
): boolean {
  const recorded = replayRun(events);
  const other = replayRun(events, adalrs);
  return recorded.different === 0 && other.decisions.length === recorded.decisions.length &&
    other.decisions.every((d, i) => diff(recorded.decisions[i].derived, d.derived).length === 0);
}

/**
 * A stored run with the same resolved definition that is not failed or cancelled, if any:
 * completed ones first.
 *
 * @param views the store's runs
 * @param definition the definition wanted
 */
export function findReusable(
  views: readonly RunView[],
  definition: RunDefinition,
): RunView | null {
  const wanted = canonicalJson(stable(definition));
  const same = views.filter((v) =>
    v.status !== "failed" && v.status !== "cancelled" &&
    canonicalJson(stable(v.definition)) === wanted
  );
  return same.find((v) => v.status === "completed") ?? same[0] ?? null;
}

/**
 * Summarises a finished run from its final view and its log.
 *
 * @param planned what the run was for
 * @param view its final view
 * @param events its whole log, in seq order
 */
export function summariseRun(
  planned: PlannedRun,
  view: RunView,
  events: readonly RunEvent[],
): RunResult {
  const curves = runCurves(events);
  const leases = events.filter((e) => e.type === "RunLeased");
  const firstLease = leases[0];
  const lastLease = leases.at(-1);
  const model = lastLease?.type === "RunLeased" ? lastLease.data.model : null;
  const decisions: Partial<Record<Rule, number>> = {};
  for (const d of curves.decisions) decisions[d.rule] = (decisions[d.rule] ?? 0) + 1;
  const val = new Map<number, number>();
  for (const p of curves.val) val.set(p.step, p.loss);
  const startLr = view.definition.optimizer.lr;
  const wall = firstLease ? (Date.parse(events.at(-1)!.at) - Date.parse(firstLease.at)) / 1000 : 0;
  return {
    label: planned.label,
    role: planned.role,
    index: planned.index,
    runId: view.id,
    status: view.status,
    reason: view.reason,
    startLr,
    finalValLoss: view.status === "completed" && view.lastValLoss !== null
      ? decodeLoss(view.lastValLoss)
      : NaN,
    multiplier: view.multiplier,
    finalLr: view.multiplier * startLr,
    steps: view.progress.step,
    tokens: view.progress.step * (model?.tokensPerStep ?? 0),
    parameters: model?.parameters ?? 0,
    wallSeconds: wall,
    startedAt: firstLease?.at ?? null,
    endedAt: events.at(-1)?.at ?? view.updatedAt,
    decisions,
    commit: view.definition.tags.commit ?? null,
    backend: lastLease?.type === "RunLeased" && lastLease.data.backend
      ? describeBackend(lastLease.data.backend)
      : null,
    // Logs from before revisions were recorded are revision 2's.
    revision: view.definition.adalrs.revision ?? 2,
    val: [...val],
    lr: downsample(curves.lr, 300, (p) => p.lr).map((p) => [p.step, p.value]),
    marks: curves.decisions.filter((d) => RULE_COLOURS[d.rule]).map((d) => ({
      step: d.step,
      rule: d.rule,
      lr: d.decision.lr,
      mAfter: d.decision.mAfter,
    })),
  };
}

/**
 * When a set of runs trained: from the first lease to the last event of any of them. Runs reused
 * from an earlier invocation keep their own times, so a rerun reports the original span.
 *
 * @param results the runs
 */
export function trainingSpan(
  results: readonly RunResult[],
): { startedAt: string; wallSeconds: number } {
  const starts = results.flatMap((r) => r.startedAt === null ? [] : [Date.parse(r.startedAt)]);
  const ends = results.map((r) => Date.parse(r.endedAt));
  if (!starts.length) return { startedAt: new Date().toISOString(), wallSeconds: 0 };
  const first = Math.min(...starts);
  return {
    startedAt: new Date(first).toISOString(),
    wallSeconds: (Math.max(...ends) - first) / 1000,
  };
}

function progressRow(label: string, view: RunView): ProgressRow {
  return {
    label,
    status: view.status,
    step: view.progress.step,
    totalSteps: view.progress.totalSteps,
    valLoss: view.lastValLoss === null ? null : decodeLoss(view.lastValLoss),
  };
}

/**
 * Tags that record where a run was made, not what it is: reuse ignores them. `commit` holds the
 * checkout a run was created from (`<sha>` or `<sha>+dirty`).
 */
export const VOLATILE_TAGS: readonly string[] = ["commit"];

function stable(definition: RunDefinition): Record<string, unknown> {
  const tags = { ...definition.tags };
  for (const key of VOLATILE_TAGS) delete tags[key];
  // A run with AdaLRS off trains the same whatever its AdaLRS settings: a sweep stays reusable
  // when only the controller's settings change.
  const adalrs = definition.adalrs.enabled ? definition.adalrs : { enabled: false };
  return { ...definition, tags, adalrs };
}

/** A definition without what says which controller decides it: its settings and revision tag. */
function apartFromController(definition: RunDefinition): Record<string, unknown> {
  const stored = stable(definition);
  const { controller: _revision, ...tags } = stored.tags as Record<string, string>;
  return { ...stored, tags, adalrs: null };
}

/** JSON with object keys sorted, so two equal definitions give equal strings. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0))
        : v,
  );
}
