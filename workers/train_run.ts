/**
 * Training one leased run, nanoGPT-style, top to bottom: resume, then per step set the LR,
 * step, record the loss; per window let the controller decide and apply its action, evaluate,
 * checkpoint; at the end evaluate and complete. Everything that happens is appended as an event.
 *
 * @module
 */

import { currentLr, encodeLoss, windowEnd } from "../src/adalrs/mod.ts";
import {
  type EventStore,
  type HeldLease,
  type NewEvent,
  newEvent,
  recordRunLosses,
  renewLease,
  type RunView,
} from "../src/events/mod.ts";
import type { BackendName } from "../src/train/mod.ts";
import { writeCheckpoint } from "./checkpoints.ts";
import { createModelRunner, type ModelRunner } from "./model.ts";
import { findResumePoint } from "./resume.ts";

/** What a worker brings to a run. */
export interface WorkerContext {
  store: EventStore;
  workerId: string;
  backend: BackendName;
  checkpointDir: string;
  leaseTtlMs: number;
  log: (line: string) => void;
  /** Aborts training after the current step (the worker is shutting down). */
  signal?: AbortSignal;
}

/** Thrown to stop training when another writer changed the run (a cancel, a lease takeover). */
class Stop extends Error {}

/**
 * Trains a run this worker holds the lease of, until it completes, fails, is cancelled, or
 * the lease is lost.
 */
export async function trainLeasedRun(ctx: WorkerContext, held: HeldLease): Promise<void> {
  const { store } = ctx;
  const runId = held.runId;
  let view = (await store.get(runId))!;
  let runner: ModelRunner | null = null;
  const snapshots = new Map<string, unknown>();
  let lease = held;

  /** Appends after our last seq; any other writer in between stops us. */
  const append = async (...events: NewEvent[]) => {
    const out = await store.append(runId, events, { expectedSeq: view.seq });
    if (!out.ok) throw new Stop(`run ${runId} changed under us (seq ${out.conflict.actualSeq})`);
    view = out.view;
  };
  /** Renews the lease when a third of it is gone; cheap enough to call every step. */
  const keepLease = async () => {
    if (lease.lease.until - Date.now() > (ctx.leaseTtlMs * 2) / 3) return;
    const renewed = await renewLease(store.kv, lease, ctx.leaseTtlMs, Date.now());
    if (!renewed) throw new Stop(`lost the lease on ${runId}`);
    lease = renewed;
  };

  try {
    const resume = await findResumePoint(await store.read(runId), view);
    for (const reason of resume?.rejected ?? []) ctx.log(`${runId}: skipped ${reason}`);
    try {
      runner = await createModelRunner(view.definition, ctx.backend);
      if (resume?.checkpoint) await runner.load(resume.checkpoint);
    } catch (err) {
      await append(newEvent("RunFailed", { step: view.controller.nextStep, reason: String(err) }));
      return;
    }
    await append(newEvent("RunLeased", {
      workerId: ctx.workerId,
      attempt: (view.worker?.attempt ?? 0) + 1,
      backend: runner.backend,
      model: { parameters: runner.parameterCount, tokensPerStep: runner.tokensPerStep },
      resume: resume &&
        { fromSeq: resume.fromSeq, step: resume.step, controller: resume.controller },
    }));
    ctx.log(`${runId}: training from step ${view.controller.nextStep} on ${runner.backend.name}`);
    await trainSteps(ctx, runner, () => view, append, keepLease, snapshots, (v) => (view = v));
    await append(newEvent("RunCompleted", {
      step: view.controller.nextStep,
      valLoss: encodeLoss(await runner.evaluate()),
    }));
    ctx.log(`${runId}: completed`);
  } catch (err) {
    if (err instanceof Stop) {
      ctx.log(`${runId}: stopped: ${err.message}`);
    } else {
      ctx.log(`${runId}: failed: ${(err as Error).stack ?? err}`);
      const reason = `worker ${ctx.workerId}: ${(err as Error).message ?? err}`;
      await store.append(
        runId,
        [newEvent("RunFailed", { step: view.controller.nextStep, reason })],
        {
          expectedSeq: view.seq,
        },
      );
    }
  } finally {
    for (const snapshot of snapshots.values()) runner?.drop(snapshot);
    runner?.dispose();
  }
}

/** The step loop. Split out so the bookkeeping above stays readable. */
async function trainSteps(
  ctx: WorkerContext,
  runner: ModelRunner,
  current: () => RunView,
  append: (...events: NewEvent[]) => Promise<void>,
  keepLease: () => Promise<void>,
  snapshots: Map<string, unknown>,
  setView: (view: RunView) => void,
): Promise<void> {
  const { store } = ctx;
  const { training } = current().definition;
  let lastCheckpoint = current().checkpoint?.step ?? current().controller.nextStep;
  let losses: number[] = [];
  for (;;) {
    const view = current();
    const from = view.controller.nextStep;
    const step = from + losses.length;
    if (step >= training.steps) break;
    // A cancel (or anything else another writer appends) shows up as a new head: stop now.
    const head = await store.get(view.id);
    if (head?.seq !== view.seq) throw new Stop(`run ${view.id} is ${head?.status ?? "gone"}`);
    if (ctx.signal?.aborted) throw new Stop("the worker is shutting down");
    await keepLease();

    // The LR is fixed for the window by the multiplier; only the base schedule moves.
    const lr = currentLr({ ...view.controller, nextStep: step });
    losses.push(await runner.step(step, lr));
    if (step < windowEnd(view.controller) && step < training.steps - 1) continue;

    const recorded = await recordRunLosses(
      store,
      view.id,
      { fromStep: from, losses: losses.map(encodeLoss) },
      { mode: "managed", expectedSeq: view.seq },
    );
    if (!recorded.ok) throw new Stop(recorded.error.message);
    setView(recorded.view);
    losses = [];
    const { action, nextStep } = recorded.response;
    if (action.kind === "snapshot") {
      snapshots.set(action.snapshotId, runner.snapshot());
      await append(newEvent("SnapshotTaken", { snapshotId: action.snapshotId, step: nextStep }));
    } else if (action.kind === "restore") {
      const snapshot = snapshots.get(action.snapshotId);
      if (snapshot === undefined) throw new Error(`No snapshot ${action.snapshotId} to restore`);
      runner.restore(snapshot);
      await append(newEvent("RolledBack", { snapshotId: action.snapshotId, step: nextStep }));
    }
    if (recorded.view.controller.trial === null) {
      for (const snapshot of snapshots.values()) runner.drop(snapshot);
      snapshots.clear();
    }
    if (
      training.evalEvery > 0 &&
      Math.floor(nextStep / training.evalEvery) > Math.floor(from / training.evalEvery)
    ) {
      await append(
        newEvent("EvalRecorded", { step: nextStep, valLoss: encodeLoss(await runner.evaluate()) }),
      );
    }
    // Checkpoints only between trials: a snapshot lives in memory and would not survive a crash.
    const due = training.checkpointEvery > 0 &&
      nextStep - lastCheckpoint >= training.checkpointEvery;
    if (due && current().controller.trial === null && nextStep < training.steps) {
      const saved = await writeCheckpoint(
        ctx.checkpointDir,
        view.id,
        nextStep,
        await runner.serialize(),
      );
      await append(newEvent("CheckpointSaved", { step: nextStep, ...saved }));
      lastCheckpoint = nextStep;
    }
  }
}
