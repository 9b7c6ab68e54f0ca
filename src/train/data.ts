/**
 * Token streams, the train/validation split, and batches that are a pure function of
 * (seed, step): resuming at step s or replaying a run draws exactly the same windows, with no
 * generator state to checkpoint.
 *
 * @module
 */

import { hash32, mulberry32, seedWords } from "../random/mod.ts";
import { type CorpusName, loadCorpus } from "./corpus.ts";
import { encode } from "./tokenizer.ts";

/** Options of {@linkcode createDataset}. */
export interface DatasetOptions {
  /** Which bundled corpus to tokenize. */
  corpus: CorpusName;
  /** Fraction of the token stream, taken from its end, held out for validation. @default 0.1 */
  validationFraction?: number;
  /** Tokens per training example (T); each window holds T + 1 tokens. */
  contextLength: number;
  /** Examples per batch (B). */
  batchSize: number;
  /** Run seed: with the step, it fixes every batch. */
  seed: number;
}

/** B examples of T next-token predictions, row-major: `inputs[b * T + t]`. */
export interface Batch {
  /** Token ids, `[B * T]`. */
  inputs: Int32Array;
  /** The token that follows each input, `[B * T]`. */
  targets: Int32Array;
}

/** A tokenized corpus split into train and validation streams, with its batch functions. */
export interface Dataset {
  /** The training stream: the first (1 - validationFraction) of the tokens. Shared: read only. */
  readonly train: Uint8Array;
  /** The held-out stream: the last validationFraction of the tokens. Shared: read only. */
  readonly validation: Uint8Array;
  /** The training batch of a step: B random windows, a pure function of (seed, step). */
  trainBatch(step: number): Batch;
  /** The i-th fixed validation batch, a pure function of (seed, i). */
  validationBatch(index: number): Batch;
}

// Domain tags keep the train and validation random streams apart for the same seed.
const TRAIN_STREAM = 0x7472616e; // "tran"
const VALIDATION_STREAM = 0x76616c69; // "vali"

/**
 * Tokenizes a corpus and returns its split and batch functions.
 *
 * @param options Corpus, split, batch shape and seed.
 * @returns The dataset.
 */
export function createDataset(options: DatasetOptions): Dataset {
  const { batchSize, contextLength, seed } = options;
  const fraction = options.validationFraction ?? 0.1;
  if (!(fraction > 0 && fraction < 1)) {
    throw new RangeError(`validationFraction must be in (0, 1), got ${fraction}`);
  }
  positiveInteger("batchSize", batchSize);
  positiveInteger("contextLength", contextLength);
  const [lo, hi] = seedWords(seed);
  const tokens = corpusTokens(options.corpus);
  const cut = Math.floor(tokens.length * (1 - fraction));
  const train = tokens.subarray(0, cut);
  const validation = tokens.subarray(cut);
  for (const [name, stream] of [["train", train], ["validation", validation]] as const) {
    if (stream.length < contextLength + 1) {
      throw new RangeError(
        `The ${name} split has ${stream.length} tokens, fewer than contextLength + 1 = ` +
          `${contextLength + 1}`,
      );
    }
  }
  return {
    train,
    validation,
    trainBatch(step) {
      nonNegativeInteger("step", step);
      const rng = mulberry32(hash32(lo, hi, TRAIN_STREAM, step));
      return sampleBatch(train, batchSize, contextLength, rng);
    },
    validationBatch(index) {
      nonNegativeInteger("index", index);
      const rng = mulberry32(hash32(lo, hi, VALIDATION_STREAM, index));
      return sampleBatch(validation, batchSize, contextLength, rng);
    },
  };
}

// Tokens per corpus, encoded once per process: every trainer of a worker shares them.
const tokenCache = new Map<CorpusName, Uint8Array>();
function corpusTokens(corpus: CorpusName): Uint8Array {
  let tokens = tokenCache.get(corpus);
  if (tokens === undefined) {
    tokens = encode(loadCorpus(corpus));
    tokenCache.set(corpus, tokens);
  }
  return tokens;
}

/**
 * Draws B windows of T + 1 consecutive tokens at uniform random offsets.
 *
 * @param stream The tokens to sample from; needs at least T + 1 of them.
 * @param batchSize B.
 * @param contextLength T.
 * @param random A source of floats in [0, 1).
 * @returns Inputs and targets, each `[B * T]`.
 */
export function sampleBatch(
  stream: Uint8Array,
  batchSize: number,
  contextLength: number,
  random: () => number,
): Batch {
  const T = contextLength;
  const starts = stream.length - T; // number of valid window starts
  const inputs = new Int32Array(batchSize * T);
  const targets = new Int32Array(batchSize * T);
  for (let b = 0; b < batchSize; b++) {
    const start = Math.floor(random() * starts);
    const window = stream.subarray(start, start + T + 1);
    inputs.set(window.subarray(0, T), b * T);
    targets.set(window.subarray(1), b * T);
  }
  return { inputs, targets };
}

/**
 * Entropy of the token frequency distribution, in nats: the loss of the best model that ignores
 * context, so a trained model's validation loss must land below it.
 *
 * @param tokens Byte tokens.
 * @returns `-sum p log p` over the 256 byte values.
 */
export function unigramEntropy(tokens: Uint8Array): number {
  if (tokens.length === 0) throw new RangeError("unigramEntropy needs at least one token");
  const counts = new Float64Array(256);
  for (let i = 0; i < tokens.length; i++) counts[tokens[i]]++;
  let entropy = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const p = count / tokens.length;
    entropy -= p * Math.log(p);
  }
  return entropy;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
}

function nonNegativeInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}
