/**
 * Where a worker picks a run up: from the newest checkpoint whose file is intact, or from the
 * start if the run already made progress without one.
 *
 * @module
 */

import type { ControllerState } from "../src/adalrs/mod.ts";
import { evolveRun, isAbandoned, type RunEvent, type RunView } from "../src/events/mod.ts";
import { readCheckpoint } from "./checkpoints.ts";

/** A resume point: the seq and step to continue from, the controller then, and the bytes. */
export interface ResumePoint {
  fromSeq: number;
  step: number;
  controller: ControllerState;
  checkpoint: Uint8Array | null;
  /** Checkpoints skipped because their files were missing or corrupt. */
  rejected: string[];
}

/**
 * Finds where to resume a run from its log.
 *
 * @param events the run's whole log
 * @param view the run's current view
 * @param checkpointDir where this worker's checkpoints are
 * @returns null when the run has no progress to resume (a fresh start)
 */
export async function findResumePoint(
  events: RunEvent[],
  view: RunView,
  checkpointDir: string,
): Promise<ResumePoint | null> {
  const progressed = events.some((e) => e.type === "LossWindowRecorded");
  if (!progressed) return null;
  const rejected: string[] = [];
  const checkpoints = events.filter((e) =>
    e.type === "CheckpointSaved" && !isAbandoned(view, e.seq)
  );
  for (const event of checkpoints.reverse()) {
    if (event.type !== "CheckpointSaved") continue;
    try {
      const bytes = await readCheckpoint(checkpointDir, event.data.file, event.data.sha256);
      return { ...stateAt(events, event.seq), checkpoint: bytes, rejected };
    } catch (err) {
      rejected.push((err as Error).message);
    }
  }
  return { ...stateAt(events, 0), checkpoint: null, rejected };
}

function stateAt(events: RunEvent[], seq: number) {
  let view: RunView | null = null;
  for (const event of events) {
    if (event.seq > seq) break;
    view = evolveRun(view, event);
  }
  return { fromSeq: seq, step: view!.controller.nextStep, controller: view!.controller };
}
