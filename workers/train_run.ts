/**
 * Training one leased run, nanoGPT-style, top to bottom: resume, then per step set the LR, step,
 * record the loss; per window let the controller decide and apply its action, evaluate,
 * checkpoint; at the end evaluate and complete. Everything that happens is appended as an event.
 *
 * @module
 */

import {
  applyAction,
  currentLr,
  dataStep,
  encodeLoss,
  heldSnapshots,
  windowEnd,
} from "../src/adalrs/mod.ts";
import {
  type EventStore,
  type HeldLease,
  isLockError,
  isTerminal,
  type LossesResponse,
  type NewEvent,
  newEvent,
  recordRunLosses,
  releaseLease,
  renewLease,
  type RunView,
} from "../src/events/mod.ts";
import { isRuntimeAbort } from "../src/train/mod.ts";
import { CheckpointWriteError, writeCheckpoint } from "./checkpoints.ts";
import { createModelRunner, type ModelRunner, type WorkerBackend } from "./model.ts";
import { findResumePoint } from "./resume.ts";

/** What a worker brings to a run. */
export interface WorkerContext {
  store: EventStore;
  workerId: string;
  backend: WorkerBackend;
  checkpointDir: string;
  leaseTtlMs: number;
  log: (line: string) => void;
  /** Aborts training after the current step (the worker is shutting down). */
  signal?: AbortSignal;
}

/** Thrown to stop training when another writer changed the run (a cancel, a lease takeover). */
class Stop extends Error {}

/**
 * Trains a run this worker holds the lease of, until it completes, fails, is cancelled, or the
 * lease is lost. Never throws: failures become `RunFailed` events.
 *
 * @returns `runtimeAborted`: the WebAssembly runtime under tfjs aborted, so this process can
 *   train nothing more and must exit
 */
export async function trainLeasedRun(
  ctx: WorkerContext,
  held: HeldLease,
): Promise<{ runtimeAborted: boolean }> {
  const session = new RunSession(ctx, held, (await ctx.store.get(held.runId))!);
  let runtimeAborted = false;
  try {
    await session.run();
  } catch (err) {
    runtimeAborted = isRuntimeAbort(err);
    if (err instanceof Stop) {
      ctx.log(`${held.runId}: stopped: ${err.message}`);
    } else if (isLockError(err)) {
      // Contention on the shared store outlasted every retry: the run itself is fine. Release
      // the lease (below) so that a worker resumes it from its checkpoint, instead of failing it.
      ctx.log(`${held.runId}: stopped: the store stayed locked; the run will be resumed`);
    } else {
      ctx.log(`${held.runId}: failed: ${(err as Error).stack ?? err}`);
      await session.fail(`worker ${ctx.workerId}: ${(err as Error).message ?? err}`);
    }
  } finally {
    await session.close();
  }
  return { runtimeAborted };
}

/** One worker's hold on one run: its view of the stream, its lease, its model. */
class RunSession {
  #runner: ModelRunner | null = null;
  #snapshots = new Map<string, unknown>();

  constructor(readonly ctx: WorkerContext, private lease: HeldLease, private view: RunView) {}

  async run(): Promise<void> {
    const { ctx, view } = this;
    // Leased in the instant it ended: the lease was free because its last worker released it.
    if (isTerminal(view.status)) throw new Stop(`run ${view.id} is already ${view.status}`);
    const resume = await findResumePoint(await ctx.store.read(view.id), view, ctx.checkpointDir);
    for (const reason of resume?.rejected ?? []) ctx.log(`${view.id}: skipped ${reason}`);
    const runner = this.#runner = await createModelRunner(view.definition, ctx.backend);
    if (resume?.checkpoint) await runner.load(resume.checkpoint);
    await this.append(newEvent("RunLeased", {
      workerId: ctx.workerId,
      attempt: (view.worker?.attempt ?? 0) + 1,
      backend: runner.backend,
      model: { parameters: runner.parameterCount, tokensPerStep: runner.tokensPerStep },
      resume: resume && {
        fromSeq: resume.fromSeq,
        step: resume.step,
        controller: resume.controller,
        // In the log, not only the worker's output: an audit shows why the run went back further.
        ...(resume.rejected.length > 0 && { skipped: resume.rejected.slice(0, 10) }),
      },
    }));
    ctx.log(
      `${view.id}: training from step ${this.view.controller.nextStep} on ${runner.backend.name}`,
    );

    const { steps, evalEvery, checkpointEvery } = view.definition.training;
    // Recorded only for a controller that fits against them: they double a window's size.
    const reference = view.definition.adalrs.controlVariate ? runner.referenceLoss : undefined;
    let lastCheckpoint = this.view.controller.nextStep;
    let losses: number[] = [];
    let refs: number[] = [];
    for (let step = this.view.controller.nextStep; step < steps; step++) {
      await this.checkStillOurs();
      // The multiplier is fixed within a window; only the base schedule moves step by step.
      // The batch follows the data step, which a paired trial's control branch sets back.
      const at = { ...this.view.controller, nextStep: step };
      losses.push(await runner.step(dataStep(at), currentLr(at)));
      if (reference) refs.push(reference(dataStep(at)));
      if (step < windowEnd(this.view.controller) && step < steps - 1) continue;

      const from = this.view.controller.nextStep;
      const answer = await this.recordWindow(from, losses, reference && refs);
      losses = [];
      refs = [];
      await this.applyAction(answer);
      step = answer.nextStep - 1;
      if (evalEvery > 0 && Math.floor(answer.nextStep / evalEvery) > Math.floor(from / evalEvery)) {
        await this.evaluate(answer.nextStep);
      }
      // Only between trials: a trial's snapshots live in memory and would not survive a crash.
      const due = checkpointEvery > 0 && answer.nextStep - lastCheckpoint >= checkpointEvery;
      const between = heldSnapshots(this.view.controller).length === 0;
      if (due && between && answer.nextStep < steps) {
        await this.checkpoint(answer.nextStep);
        lastCheckpoint = answer.nextStep;
      }
    }
    const valLoss = encodeLoss(await runner.evaluate());
    await this.append(newEvent("RunCompleted", { step: this.view.controller.nextStep, valLoss }));
    ctx.log(`${view.id}: completed`);
  }

  /** Appends after our last seq; any other writer in between stops us. */
  async append(...events: NewEvent[]): Promise<void> {
    const out = await this.ctx.store.append(this.view.id, events, { expectedSeq: this.view.seq });
    if (!out.ok) {
      throw new Stop(`run ${this.view.id} changed under us (seq ${out.conflict.actualSeq})`);
    }
    this.view = out.view;
  }

  /** Records a failure, unless someone else wrote to the run meanwhile. */
  async fail(reason: string): Promise<void> {
    const event = newEvent("RunFailed", { step: this.view.controller.nextStep, reason });
    try {
      await this.ctx.store.append(this.view.id, [event], { expectedSeq: this.view.seq });
    } catch (err) {
      // The lease will expire and another worker resume the run: nothing is lost.
      this.ctx.log(`${this.view.id}: could not record the failure: ${(err as Error).message}`);
    }
  }

  /** Frees the model and snapshots, and gives the lease back. */
  async close(): Promise<void> {
    for (const snapshot of this.#snapshots.values()) this.#runner?.drop(snapshot);
    this.#runner?.dispose();
    await releaseLease(this.ctx.store.kv, this.lease).catch(() => {});
  }

  /** Stops on a cancel (any foreign append moves the head), shutdown, or a lost lease. */
  private async checkStillOurs(): Promise<void> {
    const head = await this.ctx.store.get(this.view.id);
    if (head?.seq !== this.view.seq) {
      throw new Stop(`run ${this.view.id} is ${head?.status ?? "gone"}`);
    }
    if (this.ctx.signal?.aborted) throw new Stop("the worker is shutting down");
    const { ctx } = this;
    if (this.lease.lease.until - Date.now() > (ctx.leaseTtlMs * 2) / 3) return;
    const renewed = await renewLease(ctx.store.kv, this.lease, ctx.leaseTtlMs, Date.now());
    if (!renewed) throw new Stop(`lost the lease on ${this.view.id}`);
    this.lease = renewed;
  }

  private async recordWindow(
    fromStep: number,
    losses: number[],
    refLosses: number[] | undefined,
  ): Promise<LossesResponse> {
    const recorded = await recordRunLosses(
      this.ctx.store,
      this.view.id,
      { fromStep, losses: losses.map(encodeLoss), ...(refLosses && { refLosses }) },
      { mode: "managed", expectedSeq: this.view.seq },
    );
    if (!recorded.ok) throw new Stop(recorded.error.message);
    this.view = recorded.view;
    return recorded.response;
  }

  private async applyAction({ action, nextStep }: LossesResponse): Promise<void> {
    const runner = this.#runner!;
    applyAction(
      this.#snapshots,
      {
        save: () => runner.snapshot(),
        load: (snapshot) => runner.restore(snapshot),
        free: (snapshot) => runner.drop(snapshot),
      },
      action,
      heldSnapshots(this.view.controller),
    );
    const events: NewEvent[] = [];
    if (action.kind === "snapshot" || action.kind === "branch") {
      const snapshotId = action.kind === "branch" ? action.saveAs : action.snapshotId;
      events.push(newEvent("SnapshotTaken", { snapshotId, step: nextStep }));
    }
    if (action.kind === "restore" || action.kind === "branch") {
      events.push(newEvent("RolledBack", { snapshotId: action.snapshotId, step: nextStep }));
    }
    if (events.length > 0) await this.append(...events);
  }

  private async evaluate(step: number): Promise<void> {
    const valLoss = encodeLoss(await this.#runner!.evaluate());
    await this.append(newEvent("EvalRecorded", { step, valLoss }));
  }

  private async checkpoint(step: number): Promise<void> {
    const bytes = await this.#runner!.serialize();
    try {
      const saved = await writeCheckpoint(this.ctx.checkpointDir, this.view.id, step, bytes);
      await this.append(newEvent("CheckpointSaved", { step, ...saved }));
    } catch (err) {
      if (!(err instanceof CheckpointWriteError)) throw err;
      // A full disk or a read-only directory costs this checkpoint, not the run: training goes
      // on, and a crash resumes from the checkpoint before.
      this.ctx.log(`${this.view.id}: ${err.message}; training goes on`);
      await this.append(newEvent("CheckpointFailed", { step, reason: err.message }));
    }
  }
}
