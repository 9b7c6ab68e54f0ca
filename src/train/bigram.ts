/**
 * A byte-bigram model of the training split: a fixed, cheap measure of how hard a batch is. Its
 * loss on a step's batch is what the controller's `controlVariate` fits against; the GPT's loss
 * on the same batch moves with it, because the same text is hard for both.
 *
 * @module
 */

import type { Batch } from "./data.ts";
import { BYTE_VOCAB_SIZE } from "./tokenizer.ts";

/** −log p(next | current) for every pair of bytes, row-major: `[current * 256 + next]`. */
export type Bigram = Float64Array;

/**
 * Fits the bigram on a token stream, add-one smoothed so that a pair never seen in training
 * still has a finite loss.
 *
 * @param tokens the training split
 * @returns the negative log-probabilities
 *
 * @example
 * ```ts
 * import { fitBigram } from "./bigram.ts";
 * const nll = fitBigram(new Uint8Array([1, 2, 1, 2, 1]));
 * // After byte 1, byte 2 came twice in 2 (with add-one over 256 bytes: 3 of 258).
 * if (Math.abs(nll[1 * 256 + 2] + Math.log(3 / 258)) > 1e-12) throw new Error("p(2 | 1)");
 * ```
 */
export function fitBigram(tokens: Uint8Array): Bigram {
  const V = BYTE_VOCAB_SIZE;
  const counts = new Float64Array(V * V).fill(1);
  for (let i = 0; i + 1 < tokens.length; i++) counts[tokens[i] * V + tokens[i + 1]]++;
  const nll = new Float64Array(V * V);
  for (let a = 0; a < V; a++) {
    let row = 0;
    for (let b = 0; b < V; b++) row += counts[a * V + b];
    for (let b = 0; b < V; b++) nll[a * V + b] = -Math.log(counts[a * V + b] / row);
  }
  return nll;
}

/**
 * The bigram's mean cross-entropy over a batch's predictions, in nats like the GPT's loss.
 *
 * @param nll the fitted bigram
 * @param batch inputs and the tokens that follow them
 * @returns the mean negative log-likelihood of the targets
 */
export function bigramLoss(nll: Bigram, batch: Batch): number {
  let total = 0;
  for (let i = 0; i < batch.targets.length; i++) {
    total += nll[batch.inputs[i] * BYTE_VOCAB_SIZE + batch.targets[i]];
  }
  return total / batch.targets.length;
}
