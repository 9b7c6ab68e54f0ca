/**
 * The trainer facade the workers drive: one object owning a model, its AdamW state and its
 * data, with steps addressed by number so that batches, snapshots and checkpoints line up with
 * the run's event log.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { type AdamW, type AdamWOptions, createAdamW, resolveAdamW } from "./adamw.ts";
import type { Backend, BackendInfo } from "./backend.ts";
import { decodeCheckpoint, encodeCheckpoint, type NamedTensor } from "./checkpoint.ts";
import type { CorpusName } from "./corpus.ts";
import { type Bigram, bigramLoss, fitBigram } from "./bigram.ts";
import { createDataset, type Dataset } from "./data.ts";
import {
  gptLoss,
  initParams,
  type ModelConfig,
  parameterCount,
  type Params,
  resolveModelConfig,
} from "./gpt.ts";
import { throwOnWebgpuError } from "./webgpu/mod.ts";

/** Options of {@linkcode createTrainer}. */
export interface TrainerOptions {
  /** Model hyperparameters; training windows are `model.contextLength` tokens long. */
  model: ModelConfig;
  /** Corpus and held-out fraction (@default validationFraction 0.1). */
  data: { corpus: CorpusName; validationFraction?: number };
  /** Sequences per step (B). */
  batchSize: number;
  /** Fixes the initial weights and every batch. */
  seed: number;
  /** AdamW hyperparameters; the learning rate is given per step. */
  optimizer: AdamWOptions;
  /** The active backend and its ops, from `initBackend`: initialised once per process. */
  backend: Backend;
}

/** An in-memory, bit-exact copy of the weights and optimizer state. */
export interface TrainerSnapshot {
  /** AdamW's step count at the time of the snapshot. */
  readonly t: number;
  /** Cloned tensors, keyed like the checkpoint (`param/…`, `adam.m/…`, `adam.v/…`). */
  readonly tensors: ReadonlyMap<string, tf.Tensor>;
}

/** A model in training. See {@linkcode createTrainer}. */
export interface Trainer {
  /** The active tfjs backend. */
  readonly backend: BackendInfo;
  /** Trainable scalars in the model. */
  readonly parameterCount: number;
  /** Tokens consumed by one step: batchSize x contextLength. */
  readonly tokensPerStep: number;
  /**
   * One AdamW step on `trainBatch(step)` at this LR. Resolves to the batch's loss before the
   * update, which may be NaN or Infinity (never an exception for that); throws only on a bad
   * step number or a negative or non-finite LR.
   */
  step(step: number, lr: number): Promise<number>;
  /**
   * The loss of the byte-bigram model of the training split on `trainBatch(step)`: how hard that
   * batch is, measured by a model that never changes (the controller's `controlVariate`).
   */
  referenceLoss(step: number): number;
  /** Mean loss over the first `batches` fixed validation batches. */
  evaluate(batches: number): Promise<number>;
  /** Copies the weights and optimizer state (cheap: tfjs tensors are immutable). */
  snapshot(): TrainerSnapshot;
  /** Brings back a snapshot bit-exactly; the snapshot stays valid for later restores. */
  restore(snapshot: TrainerSnapshot): void;
  /** Frees a snapshot's tensors. */
  disposeSnapshot(snapshot: TrainerSnapshot): void;
  /** Checkpoint bytes: config, AdamW step, weights and moments (see checkpoint.ts). */
  serialize(): Promise<Uint8Array>;
  /** Loads {@linkcode Trainer.serialize} output; throws, changing nothing, if it does not fit. */
  load(bytes: Uint8Array): Promise<void>;
  /** Frees every tensor the trainer holds. */
  dispose(): void;
}

/** What a checkpoint's header carries besides the tensor list. */
interface CheckpointMeta {
  model: Required<ModelConfig>;
  optimizer: Required<AdamWOptions>;
  t: number;
  batchSize: number;
  seed: number;
  data: { corpus: CorpusName; validationFraction?: number };
}

/**
 * Builds a trainer on an active backend: tokenizes the corpus and initialises the weights from
 * the seed.
 *
 * @param options Model, data, batch size, seed, optimizer and backend.
 * @returns The trainer; call `dispose()` when done.
 * @example
 * ```ts ignore
 * const trainer = createTrainer({
 *   model: { layers: 2, width: 128, heads: 4, contextLength: 64 },
 *   data: { corpus: "moby-dick" }, batchSize: 16, seed: 1, optimizer: {},
 *   backend: await initBackend("wasm"),
 * });
 * const loss = await trainer.step(0, 1e-3);
 * ```
 */
export function createTrainer(options: TrainerOptions): Trainer {
  const { info: backend, ops } = options.backend;
  // Another backend activated since would run these ops on kernels they were not chosen for.
  if (tf.getBackend() !== backend.name) {
    throw new Error(
      `Trainer needs the ${backend.name} backend, but ${tf.getBackend()} is active; ` +
        `call initBackend("${backend.name}") again`,
    );
  }
  const model = resolveModelConfig(options.model);
  const { batchSize: B, seed } = options;
  const T = model.contextLength;
  const data: Dataset = createDataset({ ...options.data, batchSize: B, contextLength: T, seed });
  const optimizer = resolveAdamW(options.optimizer); // validate before allocating tensors
  const params: Params = initParams(model, seed);
  const names = Object.keys(params);
  const adam: AdamW = createAdamW(ops, params, optimizer);
  const byVariable = new Map(names.map((n) => [params[n].name, n]));

  /** Every state tensor under its checkpoint name, in a fixed order. */
  const stateVariables = (): [string, tf.Variable][] => [
    ...names.map((n) => [`param/${n}`, params[n]] as [string, tf.Variable]),
    ...names.map((n) => [`adam.m/${n}`, adam.m[n]] as [string, tf.Variable]),
    ...names.map((n) => [`adam.v/${n}`, adam.v[n]] as [string, tf.Variable]),
  ];

  const batchLoss = (batch: { inputs: Int32Array; targets: Int32Array }) =>
    gptLoss(
      ops,
      params,
      model,
      tf.tensor2d(batch.inputs, [B, T], "int32"),
      tf.tensor1d(batch.targets),
    );

  let bigram: Bigram | null = null;

  return {
    backend,
    parameterCount: parameterCount(model),
    tokensPerStep: B * T,

    async step(step, lr) {
      const batch = data.trainBatch(step);
      const loss = tf.tidy(() => {
        // forward, backward, clip + update; the tidy frees every activation and gradient.
        const { value, grads } = tf.variableGrads(
          () => batchLoss(batch),
          names.map((n) => params[n]),
        );
        const named: Record<string, tf.Tensor> = {};
        for (const [key, grad] of Object.entries(grads)) named[byVariable.get(key)!] = grad;
        adam.update(named, lr);
        return value;
      });
      const [value] = await loss.data();
      loss.dispose();
      throwOnWebgpuError(); // a GPU validation error leaves garbage, not an exception
      return value;
    },

    referenceLoss(step) {
      bigram ??= fitBigram(data.train);
      return bigramLoss(bigram, data.trainBatch(step));
    },

    async evaluate(batches) {
      if (!Number.isInteger(batches) || batches < 1) {
        throw new RangeError(`evaluate needs a positive number of batches, got ${batches}`);
      }
      let total = 0;
      for (let i = 0; i < batches; i++) {
        const loss = tf.tidy(() => batchLoss(data.validationBatch(i)));
        total += (await loss.data())[0];
        loss.dispose();
      }
      throwOnWebgpuError();
      return total / batches;
    },

    snapshot() {
      const tensors = new Map(stateVariables().map(([k, v]) => [k, tf.clone(v)]));
      return { t: adam.t, tensors };
    },

    restore(snapshot) {
      const pairs = stateVariables();
      for (const [key, variable] of pairs) {
        const saved = snapshot.tensors.get(key);
        if (saved === undefined || saved.isDisposed) {
          throw new Error(`Snapshot is missing ${key} or was disposed`);
        }
        if (!tf.util.arraysEqual(saved.shape, variable.shape)) {
          throw new Error(
            `Snapshot ${key} has shape [${saved.shape}], expected [${variable.shape}]`,
          );
        }
      }
      // assign() shares the snapshot's buffer (refcounted), so restoring copies nothing.
      for (const [key, variable] of pairs) variable.assign(snapshot.tensors.get(key)!);
      adam.t = snapshot.t;
    },

    disposeSnapshot(snapshot) {
      for (const tensor of snapshot.tensors.values()) tensor.dispose();
    },

    async serialize() {
      const tensors: NamedTensor[] = [];
      for (const [name, variable] of stateVariables()) {
        tensors.push({
          name,
          shape: variable.shape,
          data: (await variable.data()) as Float32Array,
        });
      }
      const meta: CheckpointMeta = {
        model,
        optimizer: adam.options,
        t: adam.t,
        batchSize: B,
        seed,
        data: options.data,
      };
      return encodeCheckpoint({ meta, tensors });
    },

    // deno-lint-ignore require-await
    async load(bytes) {
      const { meta, tensors } = decodeCheckpoint(bytes);
      const header = meta as Partial<CheckpointMeta>;
      if (JSON.stringify(header.model) !== JSON.stringify(model)) {
        throw new Error(
          `Checkpoint model ${JSON.stringify(header.model)} does not match ${
            JSON.stringify(model)
          }`,
        );
      }
      if (!Number.isInteger(header.t) || header.t! < 0) {
        throw new Error(`Checkpoint optimizer step is invalid: ${header.t}`);
      }
      const pairs = stateVariables();
      const found = tensors.map((t) => t.name).join(", ");
      if (tensors.length !== pairs.length || pairs.some(([k], i) => tensors[i].name !== k)) {
        throw new Error(`Checkpoint tensors do not match the model: found ${found}`);
      }
      pairs.forEach(([key, variable], i) => {
        if (!tf.util.arraysEqual(tensors[i].shape, variable.shape)) {
          throw new Error(
            `Checkpoint ${key} has shape [${tensors[i].shape}], expected [${variable.shape}]`,
          );
        }
      });
      // Everything checked: now mutate.
      pairs.forEach(([, variable], i) => {
        const value = tf.tensor(tensors[i].data, tensors[i].shape, "float32");
        variable.assign(value);
        value.dispose();
      });
      adam.t = header.t!;
    },

    dispose() {
      for (const n of names) params[n].dispose();
      adam.dispose();
    },
  };
}
