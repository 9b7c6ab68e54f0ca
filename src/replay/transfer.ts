/**
 * Moving runs in and out: export a run's log as JSONL, read such a file back, and import a loss
 * log from any framework as an external run, so its decisions can be audited and replayed.
 *
 * @module
 */

import { ADALRS_DEFAULTS, type AdalrsConfig, type LossValue, windowEnd } from "../adalrs/mod.ts";
import type { ScheduleKind } from "../schedule/mod.ts";
import {
  EventStore,
  recordRunLosses,
  type RunDefinition,
  RunDefinitionSchema,
  type RunEvent,
  type RunView,
} from "../events/mod.ts";
import { parseLossLog } from "./loss_log.ts";

/** A run's log as JSON Lines: one event per line, in seq order. */
export function exportJsonl(events: readonly RunEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join("\n") + "\n";
}

/**
 * Reads an exported log back.
 *
 * @throws Error naming the line when a line is not an event, or seqs are not dense from 0
 */
export function parseJsonl(text: string): RunEvent[] {
  const events: RunEvent[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    let event: RunEvent;
    try {
      event = JSON.parse(line);
    } catch {
      throw new Error(`Line ${i + 1}: not valid JSON`);
    }
    if (typeof event?.type !== "string" || event.seq !== events.length) {
      throw new Error(`Line ${i + 1}: expected the event with seq ${events.length}`);
    }
    events.push(event);
  });
  return events;
}

/** Options of {@linkcode importLossLog}. */
export interface ImportOptions {
  name: string;
  /** Peak LR of the original run; taken from the log's `lr` column when absent. */
  lr?: number;
  schedule?: ScheduleKind;
  adalrs?: Partial<AdalrsConfig>;
  tags?: Record<string, string>;
}

/**
 * Where an imported run is written: a store on disk ({@linkcode storeWriter}) or a running
 * service over HTTP (`serviceWriter` in `src/client/`), so `import` works against either.
 */
export interface RunWriter {
  /** Creates the run; returns its view. */
  create(definition: RunDefinition): Promise<RunView>;
  /** Records consecutive losses from `fromStep`; returns the last step of the window now open. */
  recordLosses(runId: string, fromStep: number, losses: LossValue[]): Promise<number>;
  /** The run's view now. */
  view(runId: string): Promise<RunView>;
}

/**
 * A {@linkcode RunWriter} on an event store, through the same command the HTTP API runs.
 *
 * @param store the store
 */
export function storeWriter(store: EventStore): RunWriter {
  return {
    create: (definition) => store.create(definition),
    async recordLosses(runId, fromStep, losses) {
      const recorded = await recordRunLosses(store, runId, { fromStep, losses }, {
        mode: "external",
      });
      if (!recorded.ok) throw new Error(recorded.error.message);
      return windowEnd(recorded.view.controller);
    },
    async view(runId) {
      const view = await store.get(runId);
      if (!view) throw new Error(`Run ${runId} vanished from the store`);
      return view;
    },
  };
}

/**
 * Builds an external run from a loss log (JSONL, CSV of `step,loss`, or llm.c-style text).
 * Each logged loss becomes one controller step, so a log written every 10 steps has windows of
 * k logged points; the original steps are kept in the run's tags.
 *
 * @param target a store, or a {@linkcode RunWriter} (e.g. a service over HTTP)
 * @param text the log file's content
 * @param opts the run's name, LR, schedule and controller settings
 * @returns the imported run's view, completed
 */
export async function importLossLog(
  target: EventStore | RunWriter,
  text: string,
  opts: ImportOptions,
): Promise<RunView> {
  const log = parseLossLog(text);
  // A loop, not Math.max(...lrs): spreading a long log's LRs overflows the call stack.
  let peakLogged = -Infinity;
  for (const lr of log.lrs) if (lr !== null && lr > peakLogged) peakLogged = lr;
  const parsed = RunDefinitionSchema.safeParse({
    name: opts.name,
    mode: "external",
    tags: {
      ...opts.tags,
      format: log.format,
      firstStep: String(log.steps[0]),
      lastStep: String(log.steps.at(-1)),
    },
    training: { steps: log.losses.length },
    optimizer: { lr: opts.lr ?? (peakLogged > -Infinity ? peakLogged : 1e-3) },
    schedule: { kind: opts.schedule ?? "constant" },
    adalrs: { ...ADALRS_DEFAULTS, ...opts.adalrs },
  });
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`This log cannot become a run: ${issues.join("; ")}`);
  }
  const writer = target instanceof EventStore ? storeWriter(target) : target;
  const created = await writer.create(parsed.data);
  let windowEndsAt = windowEnd(created.controller);
  for (let from = 0; from < log.losses.length;) {
    const to = Math.min(windowEndsAt, log.losses.length - 1);
    windowEndsAt = await writer.recordLosses(created.id, from, log.losses.slice(from, to + 1));
    from = to + 1;
  }
  return await writer.view(created.id);
}
