/**
 * The read model of a run: a pure fold of its events. The store keeps it beside the stream,
 * updated in the same atomic commit as each append, so reads never re-fold the log.
 *
 * @module
 */

import {
  type ControllerSetup,
  type ControllerState,
  currentLr,
  type Decision,
  evolve,
  initialState,
  legacySettings,
  type LossValue,
} from "../adalrs/mod.ts";
import type { RunDefinition } from "./definition.ts";
import type { BackendRecord, RunEvent, RunStatus } from "./types.ts";

/** What `GET /v1/runs/{id}` shows; also the head of the run's stream. */
export interface RunView {
  id: string;
  name: string;
  mode: RunDefinition["mode"];
  status: RunStatus;
  definition: RunDefinition;
  createdAt: string;
  updatedAt: string;
  /** Seq of the last event in the stream. */
  seq: number;
  controller: ControllerState;
  /** Learning rate for the next step, and the AdaLRS multiplier behind it. */
  lr: number;
  multiplier: number;
  progress: { step: number; totalSteps: number; fraction: number };
  lastLoss: LossValue | null;
  lastValLoss: LossValue | null;
  lastDecision: Decision | null;
  decisions: number;
  worker: {
    id: string;
    attempt: number;
    backend: BackendRecord | null;
  } | null;
  /** Latest checkpoint, for resuming after a crash. */
  checkpoint: { seq: number; step: number; file: string; sha256: string } | null;
  /** Seq ranges (inclusive) of events abandoned when a worker resumed from a checkpoint. */
  abandoned: [number, number][];
  /** Why the run failed or was cancelled. */
  reason: string | null;
}

/** The controller settings a run definition implies. */
export function controllerSetup(definition: RunDefinition): ControllerSetup {
  return {
    // A log written before a setting existed replays as the revision that wrote it behaved.
    adalrs: legacySettings(definition.adalrs),
    schedule: definition.schedule,
    peakLr: definition.optimizer.lr,
    totalSteps: definition.training.steps,
  };
}

/**
 * Folds one event into a run's view. Total: an event it does not need leaves the view as is, and
 * before `RunCreated` there is no run (null) whatever comes.
 *
 * @param view the view before the event; null before `RunCreated`
 * @param event the next event of the stream
 * @returns the view after the event
 */
export function evolveRun(view: RunView, event: RunEvent): RunView;
export function evolveRun(view: RunView | null, event: RunEvent): RunView | null;
export function evolveRun(view: RunView | null, event: RunEvent): RunView | null {
  if (event.type === "RunCreated") return createdView(event);
  if (view === null) return null;
  const next: RunView = { ...view, seq: event.seq, updatedAt: event.at };
  switch (event.type) {
    case "RunLeased": {
      const { workerId, attempt, backend, resume } = event.data;
      next.status = "running";
      next.worker = { id: workerId, attempt, backend };
      if (resume) {
        next.controller = resume.controller;
        if (resume.fromSeq + 1 < event.seq) {
          next.abandoned = [...view.abandoned, [resume.fromSeq + 1, event.seq - 1]];
        }
      }
      return withController(next);
    }
    case "LossWindowRecorded": {
      const { losses, refLosses } = event.data;
      next.controller = evolve(view.controller, losses, refLosses);
      next.lastLoss = losses.at(-1) ?? view.lastLoss;
      if (view.status === "queued") next.status = "running";
      return withController(next);
    }
    case "LrDecided":
      next.lastDecision = event.data.decision;
      next.decisions = view.decisions + 1;
      return next;
    case "EvalRecorded":
      next.lastValLoss = event.data.valLoss;
      return next;
    case "CheckpointSaved": {
      const { step, file, sha256 } = event.data;
      next.checkpoint = { seq: event.seq, step, file, sha256 };
      return next;
    }
    case "SnapshotTaken":
    case "RolledBack":
    case "CheckpointFailed":
      return next;
    case "RunCompleted":
      next.status = "completed";
      if (event.data.valLoss !== null) next.lastValLoss = event.data.valLoss;
      return next;
    case "RunFailed":
      next.status = "failed";
      next.reason = event.data.reason;
      return next;
    case "RunCancelled":
      next.status = "cancelled";
      next.reason = event.data.reason;
      return next;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * The view of a run that was just created.
 *
 * @param event the stream's first event
 */
export function createdView(event: RunEvent & { type: "RunCreated" }): RunView {
  const { definition } = event.data;
  return withController({
    id: event.runId,
    name: definition.name,
    mode: definition.mode,
    // An external run's trainer is already running: no worker has to pick it up.
    status: definition.mode === "external" ? "running" : "queued",
    definition,
    createdAt: event.at,
    updatedAt: event.at,
    seq: event.seq,
    controller: initialState(controllerSetup(definition)),
    lr: 0,
    multiplier: 1,
    progress: { step: 0, totalSteps: definition.training.steps, fraction: 0 },
    lastLoss: null,
    lastValLoss: null,
    lastDecision: null,
    decisions: 0,
    worker: null,
    checkpoint: null,
    abandoned: [],
    reason: null,
  });
}

/** Refreshes the fields derived from the controller state. */
function withController(view: RunView): RunView {
  const { controller } = view;
  const totalSteps = controller.setup.totalSteps;
  const step = controller.nextStep;
  return {
    ...view,
    lr: currentLr(controller),
    multiplier: controller.m,
    progress: { step, totalSteps, fraction: Math.min(1, step / totalSteps) },
  };
}

/**
 * Whether an event was abandoned by a resume from checkpoint.
 *
 * @param view the run's view
 * @param seq the event's seq
 */
export function isAbandoned(view: RunView, seq: number): boolean {
  return view.abandoned.some(([from, to]) => seq >= from && seq <= to);
}
