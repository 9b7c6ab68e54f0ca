/**
 * What the GPT probes share: the experiments' full profile, trained outside the service.
 *
 * @module
 */

import type { RunDefinition } from "../src/events/mod.ts";
import { PROFILES } from "../src/research/experiment/profiles.ts";
import { type Backend, BYTE_VOCAB_SIZE, createTrainer, type Trainer } from "../src/train/mod.ts";

/** The full profile's sizes. */
export const SIZE = PROFILES.full;

/**
 * A fresh trainer of the full-profile GPT with the definition's seed and optimizer: the same
 * initial weights and batches as the experiments' runs.
 *
 * @param definition the experiments' run definition (`profileDefinition(SIZE, …)`)
 * @param backend initialised once per process
 */
export function probeTrainer(definition: RunDefinition, backend: Backend): Trainer {
  return createTrainer({
    model: {
      vocabSize: BYTE_VOCAB_SIZE,
      layers: SIZE.layers,
      width: SIZE.width,
      heads: SIZE.heads,
      contextLength: SIZE.sequenceLength,
    },
    data: { corpus: "moby-dick" },
    batchSize: SIZE.batchSize,
    seed: definition.training.seed,
    optimizer: definition.optimizer,
    backend,
  });
}
