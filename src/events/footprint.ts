/**
 * What a GPT run needs in memory, from its definition alone: checked when a run is created, so
 * that a definition no worker can hold is refused with a 400 instead of aborting the worker's
 * WebAssembly runtime an hour later. Pure arithmetic: no tfjs here, and it lives beside the run
 * definition that applies it so that the event layer does not depend on the training engine.
 *
 * The coefficients were read off the wasm heap after two training steps of six small models
 * (layers 1-8, width 64-256, batch 8-64, sequence 64-512): this estimate was 1.1-1.4x above
 * every measured heap, so it errs on the side of refusing.
 *
 * @module
 */

/** The most the tfjs wasm backend can address: a 32-bit WebAssembly heap, 4 GiB. */
export const WASM_HEAP_LIMIT_BYTES = 4 * 1024 ** 3;

/** The GPT hyperparameters the estimate depends on. */
export interface GptShape {
  vocabSize: number;
  layers: number;
  width: number;
  heads: number;
  batchSize: number;
  sequenceLength: number;
}

/** An estimate of a training step's peak memory, in bytes, and what it is made of. */
export interface Footprint {
  parameters: number;
  /** Weights, gradients, AdamW moments and a trial snapshot: 16 floats per parameter. */
  parameterBytes: number;
  /** Activations and their gradients for one batch. */
  activationBytes: number;
  totalBytes: number;
}

/** Floats kept per token, layer and unit of width (projections, MLP, norms, their gradients). */
const PER_TOKEN_WIDTH = 170;
/** Copies of each head's [T, T] attention matrix (scores, mask, softmax, gradients). */
const ATTENTION_COPIES = 8;
/** Copies of the logits [B*T, V] (logits, softmax, one-hot targets, gradients). */
const LOGIT_COPIES = 8;
const FLOAT_BYTES = 4;

/** Trainable scalars of the GPT in `src/train/gpt.ts` (tied embedding and output head). */
export function gptParameters(
  shape: Pick<GptShape, "vocabSize" | "layers" | "width" | "sequenceLength">,
): number {
  const { vocabSize: V, layers: L, width: C, sequenceLength: T } = shape;
  return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C;
}

/**
 * Estimates the peak memory of training a GPT at this size.
 *
 * @param shape model and batch sizes
 * @returns the estimate and its two parts, in bytes
 */
export function gptFootprint(shape: GptShape): Footprint {
  const { vocabSize: V, layers: L, width: C, heads: H, batchSize: B, sequenceLength: T } = shape;
  const tokens = B * T;
  const parameterBytes = 16 * gptParameters(shape) * FLOAT_BYTES;
  const perLayer = tokens * (PER_TOKEN_WIDTH * C + ATTENTION_COPIES * H * T);
  const activationBytes = (L * perLayer + LOGIT_COPIES * tokens * V) * FLOAT_BYTES;
  return {
    parameters: gptParameters(shape),
    parameterBytes,
    activationBytes,
    totalBytes: parameterBytes + activationBytes,
  };
}

/** Bytes as people read them: `4.0 GiB`, `312 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.ceil(bytes / 1024 ** 2)} MiB`;
}
