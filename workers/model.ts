/**
 * One interface over the models a worker can train: the tfjs GPT and the synthetic landscape.
 *
 * @module
 */

import type { RunDefinition } from "../src/events/mod.ts";
import {
  type Backend,
  type BackendName,
  createTrainer,
  initBackend,
  type TrainerSnapshot,
} from "../src/train/mod.ts";
import { syntheticStart, type SyntheticState, syntheticStep } from "../src/synthetic/mod.ts";

/** What the training loop needs from a model, whatever it is. */
export interface ModelRunner {
  readonly backend: { name: string; version: string };
  readonly parameterCount: number;
  readonly tokensPerStep: number;
  /**
   * One optimizer step at `lr` on the batch of data step `step` (the compute step, except in a
   * paired trial's control branch); returns the loss, possibly NaN or infinite.
   */
  step(step: number, lr: number): Promise<number>;
  /**
   * A fixed reference model's loss on the batch of data step `step` (the GPT: its training split's
   * byte bigram); absent where batches have no difficulty of their own (the synthetic landscape).
   */
  referenceLoss?(step: number): number;
  /** Validation loss. */
  evaluate(): Promise<number>;
  /** In-memory copy of model and optimizer state; `restore` brings it back bit-exactly. */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  drop(snapshot: unknown): void;
  /** Checkpoint bytes, and their inverse. */
  serialize(): Promise<Uint8Array>;
  load(bytes: Uint8Array): Promise<void>;
  dispose(): void;
}

/** The worker's tfjs backend: named once at start, activated once, on the first GPT run. */
export interface WorkerBackend {
  readonly name: BackendName;
  /** The active backend; the first call initialises it, later ones share that result. */
  load(): Promise<Backend>;
}

/**
 * The process's backend, initialised lazily: a worker that trains only synthetic models never
 * loads tfjs, and one whose backend cannot start fails each GPT run with the reason (a silent
 * fallback would train on another backend).
 *
 * @param name the `--backend` the worker was started with
 */
export function workerBackend(name: BackendName): WorkerBackend {
  let loading: Promise<Backend> | null = null;
  return { name, load: () => loading ??= initBackend(name) };
}

/**
 * Builds the model a run definition asks for.
 *
 * @param definition the run's resolved definition (a managed run: `model` is set)
 * @param backend the worker's backend, for GPT models
 */
export async function createModelRunner(
  definition: RunDefinition,
  backend: WorkerBackend,
): Promise<ModelRunner> {
  const { model, training } = definition;
  if (!model) throw new Error("A managed run needs a model");
  if (model.kind === "synthetic") return syntheticRunner({ ...model, seed: training.seed });
  const trainer = await createTrainer({
    model: { ...model, contextLength: training.sequenceLength },
    data: definition.data ?? { corpus: "moby-dick" },
    batchSize: training.batchSize,
    seed: training.seed,
    optimizer: definition.optimizer,
    backend: await backend.load(),
  });
  return {
    backend: trainer.backend,
    parameterCount: trainer.parameterCount,
    tokensPerStep: trainer.tokensPerStep,
    step: (step, lr) => trainer.step(step, lr),
    referenceLoss: (step) => trainer.referenceLoss(step),
    evaluate: () => trainer.evaluate(training.evalBatches),
    snapshot: () => trainer.snapshot(),
    restore: (s) => trainer.restore(s as TrainerSnapshot),
    drop: (s) => trainer.disposeSnapshot(s as TrainerSnapshot),
    serialize: () => trainer.serialize(),
    load: (bytes) => trainer.load(bytes),
    dispose: () => trainer.dispose(),
  };
}

type SyntheticModel = Extract<NonNullable<RunDefinition["model"]>, { kind: "synthetic" }>;

function syntheticRunner(config: SyntheticModel & { seed: number }): ModelRunner {
  let state: SyntheticState = syntheticStart(config);
  return {
    backend: { name: "synthetic", version: "1" },
    parameterCount: 1,
    tokensPerStep: 1,
    async step(step, lr) {
      if (config.stepDelayMs > 0) await new Promise((r) => setTimeout(r, config.stepDelayMs));
      const out = syntheticStep(config, state, step, lr);
      state = out.state;
      return out.loss;
    },
    evaluate: () => Promise.resolve(config.floorLoss + state.gap),
    snapshot: () => ({ ...state }),
    restore: (s) => {
      state = { ...(s as SyntheticState) };
    },
    drop: () => {},
    serialize: () => Promise.resolve(new TextEncoder().encode(JSON.stringify(state))),
    load: (bytes) => {
      const parsed = JSON.parse(new TextDecoder().decode(bytes));
      if (typeof parsed?.gap !== "number") throw new Error("Not a synthetic checkpoint");
      state = { gap: parsed.gap };
      return Promise.resolve();
    },
    dispose: () => {},
  };
}
