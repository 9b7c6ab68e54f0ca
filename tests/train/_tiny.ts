/** Shared fixtures for the training tests: a model small enough for a step in milliseconds. */

import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, createTrainer, initBackend, type Trainer } from "../../src/train/mod.ts";

/** layers 1, width 32, heads 2, context 16: 21,472 parameters. */
export const TINY_MODEL = { layers: 1, width: 32, heads: 2, contextLength: 16 };

/** A fresh tiny trainer on moby-dick, batch 4, on the named backend (activated first). */
export async function tinyTrainer(seed = 1, backend: BackendName = "wasm"): Promise<Trainer> {
  return createTrainer({
    model: TINY_MODEL,
    data: { corpus: "moby-dick" },
    batchSize: 4,
    seed,
    optimizer: {},
    backend: await initBackend(backend),
  });
}

/** Runs steps [from, to) at a fixed LR and returns their losses. */
export async function runSteps(trainer: Trainer, from: number, to: number, lr = 3e-3) {
  const losses: number[] = [];
  for (let s = from; s < to; s++) losses.push(await trainer.step(s, lr));
  return losses;
}

/** Byte-for-byte equality of two buffers (checkpoints, raw float32 data). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The engine's live tensor count. */
export function liveTensors(): number {
  return tf.memory().numTensors;
}
