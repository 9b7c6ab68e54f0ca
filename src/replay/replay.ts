/**
 * Replay and what-if: re-fold a run's loss events through the reducer and compare every
 * re-derived decision with the one the log recorded, exactly.
 *
 * @module
 */

import {
  type AdalrsConfig,
  type ControllerState,
  type Decision,
  foldLosses,
  initialState,
} from "../adalrs/mod.ts";
import { controllerSetup } from "../events/run_view.ts";
import type { RunEvent } from "../events/types.ts";

/** One re-derived decision beside the recorded one. */
export interface ReplayedDecision {
  /** Seq of the loss event that completed the window, and of the recorded decision. */
  lossSeq: number;
  recordedSeq: number | null;
  recorded: Decision | null;
  derived: Decision;
  /** True when every field, every number included, is exactly equal. */
  identical: boolean;
  /** Paths of the fields that differ, e.g. `window.stats.v`. */
  differences: string[];
  /** The window was abandoned by a resume from checkpoint. */
  abandoned: boolean;
}

/** The result of replaying a run's log. */
export interface ReplayReport {
  runId: string;
  /** Settings that differed from the recorded run (what-if); empty for a plain replay. */
  overrides: Partial<AdalrsConfig>;
  decisions: ReplayedDecision[];
  identical: number;
  different: number;
  /** Resumes from checkpoint whose recorded controller state matched the re-derived one. */
  resumes: { seq: number; identical: boolean }[];
  final: { multiplier: number; nextStep: number };
}

/**
 * Replays a run's events.
 *
 * @param events the whole stream, in seq order, starting with `RunCreated`
 * @param overrides controller settings to change (what-if); none for an exact replay
 * @returns each decision re-derived and compared with the recorded one
 */
export function replayRun(
  events: readonly RunEvent[],
  overrides: Partial<AdalrsConfig> = {},
): ReplayReport {
  const created = events[0];
  if (created?.type !== "RunCreated") throw new Error("A run's log must start with RunCreated");
  const setup = controllerSetup(created.data.definition);
  let state: ControllerState = initialState({
    ...setup,
    adalrs: { ...setup.adalrs, ...overrides },
  });
  // Seq 0 stands for "the start": a run resumed without a usable checkpoint restarts from it.
  const atCheckpoint = new Map<number, ControllerState>([[0, state]]);
  const decisions: ReplayedDecision[] = [];
  const resumes: ReplayReport["resumes"] = [];

  const whatIf = Object.keys(overrides).length > 0;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    if (event.type === "LossWindowRecorded") {
      const fed = foldLosses(state, event.data.losses, event.data.refLosses);
      state = fed.state;
      for (const derived of fed.decisions) {
        // A plain replay pairs each decision with the LrDecided right after its losses; a
        // what-if has nothing to compare with.
        const next = events[i + 1];
        const recorded = !whatIf && next?.type === "LrDecided" ? next : null;
        const differences = whatIf
          ? []
          : recorded
          ? diff(recorded.data.decision, derived)
          : ["(missing)"];
        decisions.push({
          lossSeq: event.seq,
          recordedSeq: recorded?.seq ?? null,
          recorded: recorded?.data.decision ?? null,
          derived,
          identical: !whatIf && differences.length === 0,
          differences,
          abandoned: false,
        });
      }
    } else if (event.type === "CheckpointSaved") {
      atCheckpoint.set(event.seq, state);
    } else if (event.type === "RunLeased" && event.data.resume) {
      const { fromSeq, controller } = event.data.resume;
      const derived = atCheckpoint.get(fromSeq);
      if (!whatIf) {
        // A state recorded by an older revision lacks the fields newer ones added.
        resumes.push({ seq: event.seq, identical: diff(controller, derived, true).length === 0 });
      }
      state = derived ?? controller;
      for (const d of decisions) {
        if (d.lossSeq > fromSeq && d.lossSeq < event.seq) d.abandoned = true;
      }
    }
  }
  const identical = decisions.filter((d) => d.identical).length;
  const different = whatIf ? 0 : decisions.length - identical;
  return {
    runId: created.runId,
    overrides,
    decisions,
    identical,
    different,
    resumes,
    final: { multiplier: state.m, nextStep: state.nextStep },
  };
}

/**
 * Paths at which two plain-data values differ. Numbers must be exactly equal (NaN equals NaN).
 *
 * @param a the recorded value
 * @param b the re-derived value
 * @param recordedFields compare only the object fields that `a` has (arrays stay whole): what an
 *   older revision recorded, against a re-derivation that has fields it did not know
 */
export function diff(a: unknown, b: unknown, recordedFields = false, path = ""): string[] {
  if (typeof a === "number" && typeof b === "number") {
    return a === b || (Number.isNaN(a) && Number.isNaN(b)) ? [] : [path || "(value)"];
  }
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return a === b ? [] : [path || "(value)"];
  }
  if (Array.isArray(a) !== Array.isArray(b)) return [path || "(value)"];
  const keys = recordedFields && !Array.isArray(a)
    ? Object.keys(a)
    : new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const key of keys) {
    const sub = path ? `${path}.${key}` : key;
    const [x, y] = [(a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]];
    out.push(...diff(x, y, recordedFields, sub));
  }
  return out;
}
