/**
 * Recording losses: the command shell around the AdaLRS reducer. Reads the run's head, checks
 * the losses continue the stream, lets the reducer decide, and appends the losses and the
 * decision in one atomic commit. Used by the external-trainer endpoint and by our workers.
 *
 * @module
 */

import {
  type Action,
  type ControllerState,
  decide,
  type Decision,
  evolve,
  type LossValue,
} from "../adalrs/mod.ts";
import type { RunView } from "./run_view.ts";
import { CONFLICT, retryConflicts } from "./kv_retry.ts";
import type { EventStore } from "./store.ts";
import { type TrainerPlan, trainerPlan } from "./trainer_plan.ts";
import { isTerminal, type NewEvent, newEvent, type RunEvent } from "./types.ts";

/** What a trainer needs after posting losses: the LR and action for its next step. */
export interface LossesResponse extends TrainerPlan {
  runId: string;
  status: RunView["status"];
  /** What to do before `nextStep`: continue, snapshot, restore a snapshot, or branch. */
  action: Action;
  /** The decision made, if these losses completed a window. */
  decision: Decision | null;
}

/** Why losses were refused; `status` is the HTTP status that fits. */
export interface RecordError {
  status: 404 | 409 | 422;
  message: string;
  expectedStep?: number;
}

/** A batch of consecutive losses from a trainer. */
export interface LossBatch {
  fromStep: number;
  losses: LossValue[];
  /** A fixed reference model's loss on the same batches, one per loss (`controlVariate`). */
  refLosses?: number[];
  idempotencyKey?: string;
  /** A validation loss measured after the last of these steps (external trainers). */
  valLoss?: LossValue;
}

/**
 * Records losses for a run and returns the controller's answer.
 *
 * @param store the event store
 * @param runId the run
 * @param batch consecutive losses starting at the run's next step
 * @param opts `mode`: which kind of run may post (workers post to managed runs); `expectedSeq`:
 *   a writer that owns the stream passes the seq it last wrote, so that any other writer's
 *   append (a cancel, a lease takeover) makes this one fail instead of being retried
 * @returns the response, or the reason the losses were refused
 * @throws {ConflictRetriesExhausted} when other writers moved the head through every attempt
 */
export async function recordRunLosses(
  store: EventStore,
  runId: string,
  batch: LossBatch,
  opts: { mode: RunView["mode"]; expectedSeq?: number },
): Promise<
  { ok: true; response: LossesResponse; view: RunView } | { ok: false; error: RecordError }
> {
  // Another writer moving the head between our read and our commit makes us read again.
  return await retryConflicts(`Appending losses to run ${runId}`, async () => {
    // The head first, then the key: a retry racing its own first attempt (a client that gave
    // up on a request still in flight) then either sees the key, or holds a head the first
    // attempt's commit moved, so its append conflicts and finds the key. Key first, the retry
    // could read the head after that commit and be refused as an overlap.
    const view = await store.get(runId);
    if (view === null) return refuse(404, `Run ${runId} does not exist`);
    if (batch.idempotencyKey !== undefined) {
      const done = await store.idempotent(runId, batch.idempotencyKey);
      if (done?.ok) return answerAgain(store, runId, batch, done);
    }
    const refused = checkRun(view, opts.mode);
    if (refused) return { ok: false, error: refused };
    if (opts.expectedSeq !== undefined && view.seq !== opts.expectedSeq) {
      return refuse(409, `Run ${runId} changed since seq ${opts.expectedSeq} (now ${view.seq})`);
    }

    const decided = decide(view.controller, batch.fromStep, batch.losses, batch.refLosses);
    if (!decided.ok) {
      const { reason, expectedStep } = decided.rejection;
      return { ok: false, error: { status: 409, message: reason, expectedStep } };
    }
    const pastEnd = checkLastStep(view, batch);
    if (pastEnd) return { ok: false, error: pastEnd };
    const badRefs = checkRefLosses(batch);
    if (badRefs) return { ok: false, error: badRefs };
    const { decision } = decided;
    const state = evolve(view.controller, batch.losses, batch.refLosses);
    const { valLoss, ...window } = batch;
    const events: NewEvent[] = [newEvent("LossWindowRecorded", window)];
    if (decision) events.push(newEvent("LrDecided", { decision }));
    const completes = opts.mode === "external" && state.nextStep >= state.setup.totalSteps;
    // The last post's validation loss is the run's final one: RunCompleted carries it alone.
    if (valLoss !== undefined && !completes) {
      events.push(newEvent("EvalRecorded", { step: state.nextStep, valLoss }));
    }
    if (completes) {
      const last = valLoss ?? view.lastValLoss;
      events.push(newEvent("RunCompleted", { step: state.nextStep, valLoss: last }));
    }
    // The answer is not stored with the key: a retry re-derives it from the events (compact).
    const appended = await store.append(runId, events, {
      expectedSeq: view.seq,
      idempotencyKey: batch.idempotencyKey,
    });
    if (appended.ok && appended.replayed) return answerAgain(store, runId, batch, appended);
    if (appended.ok) {
      return { ok: true, response: answer(runId, state, decision, completes), view: appended.view };
    }
    if (opts.expectedSeq !== undefined) {
      return refuse(409, `Run ${runId} changed since seq ${opts.expectedSeq}`);
    }
    return CONFLICT;
  }, { attempts: 20 });
}

/** The answer to losses that moved the controller to `state`. */
function answer(
  runId: string,
  state: ControllerState,
  decision: Decision | null,
  completes: boolean,
): LossesResponse {
  return {
    runId,
    status: completes ? "completed" : "running",
    ...trainerPlan(state),
    action: decision?.action ?? { kind: "continue" },
    decision,
  };
}

/**
 * The first answer to a retried key, re-derived from the events that post appended; a key
 * reused for other losses is refused (422) rather than answered for losses it never recorded.
 */
async function answerAgain(
  store: EventStore,
  runId: string,
  batch: LossBatch,
  done: { view: RunView; events: RunEvent[] },
): Promise<
  { ok: true; response: LossesResponse; view: RunView } | { ok: false; error: RecordError }
> {
  const [first] = done.events;
  const same = first?.type === "LossWindowRecorded" && first.data.fromStep === batch.fromStep &&
    JSON.stringify(first.data.losses) === JSON.stringify(batch.losses) &&
    JSON.stringify(first.data.refLosses) === JSON.stringify(batch.refLosses);
  if (!same) {
    return refuse(
      422,
      `Idempotency key ${JSON.stringify(batch.idempotencyKey)} was used for other losses ` +
        `(from step ${first?.type === "LossWindowRecorded" ? first.data.fromStep : "?"}); ` +
        `a new post needs a new key`,
    );
  }
  const last = done.events.at(-1)!;
  const then = last.seq === done.view.seq ? done.view : await store.viewAt(runId, last.seq);
  const decided = done.events.find((e) => e.type === "LrDecided");
  const response = answer(
    runId,
    then!.controller,
    decided?.type === "LrDecided" ? decided.data.decision : null,
    done.events.some((e) => e.type === "RunCompleted"),
  );
  return { ok: true, response, view: done.view };
}

/** Whether the run takes losses at all: the right kind of run, still going. */
function checkRun(view: RunView, mode: RunView["mode"]): RecordError | null {
  if (view.mode !== mode) {
    return {
      status: 409,
      message: `Run ${view.id} is ${view.mode}; it does not take ${mode} losses`,
    };
  }
  if (isTerminal(view.status)) {
    return { status: 409, message: `Run ${view.id} is ${view.status}; it takes no more losses` };
  }
  return null;
}

/** Reference losses, when sent, are one finite number per loss. */
function checkRefLosses({ losses, refLosses }: LossBatch): RecordError | null {
  if (refLosses === undefined) return null;
  if (refLosses.length !== losses.length) {
    return {
      status: 422,
      message: `refLosses has ${refLosses.length} values for ${losses.length} losses: one per loss`,
    };
  }
  const bad = refLosses.findIndex((r) => !Number.isFinite(r));
  if (bad < 0) return null;
  return { status: 422, message: `refLosses[${bad}] is ${refLosses[bad]}: it must be finite` };
}

/** The controller's window may reach past the run's last step; the losses may not. */
function checkLastStep(view: RunView, batch: LossBatch): RecordError | null {
  const last = batch.fromStep + batch.losses.length - 1;
  const steps = view.definition.training.steps;
  if (last < steps) return null;
  return {
    status: 409,
    message: `Losses run to step ${last}, past the run's last step ${steps - 1}`,
    expectedStep: view.controller.nextStep,
  };
}

function refuse(status: 404 | 409 | 422, message: string): { ok: false; error: RecordError } {
  return { ok: false, error: { status, message } };
}
