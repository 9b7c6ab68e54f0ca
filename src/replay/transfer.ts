/**
 * Moving runs in and out: export a run's log as JSONL, read such a file back, and import a loss
 * log from any framework as an external run, so its decisions can be audited and replayed.
 *
 * @module
 */

import { ADALRS_DEFAULTS, type AdalrsConfig, windowEnd } from "../adalrs/mod.ts";
import type { ScheduleKind } from "../schedule/mod.ts";
import {
  type EventStore,
  recordRunLosses,
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
 * Builds an external run from a loss log (JSONL, CSV of `step,loss`, or llm.c-style text).
 * Each logged loss becomes one controller step, so a log written every 10 steps has windows of
 * k logged points; the original steps are kept in the run's tags.
 *
 * @returns the imported run's view, completed
 */
export async function importLossLog(
  store: EventStore,
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
  const definition = parsed.data;
  let view = await store.create(definition);
  for (let from = 0; from < log.losses.length;) {
    const to = Math.min(windowEnd(view.controller), log.losses.length - 1);
    const recorded = await recordRunLosses(
      store,
      view.id,
      { fromStep: from, losses: log.losses.slice(from, to + 1) },
      { mode: "external" },
    );
    if (!recorded.ok) throw new Error(recorded.error.message);
    view = recorded.view;
    from = to + 1;
  }
  return view;
}
