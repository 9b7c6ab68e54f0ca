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

/** The flags every GPT probe takes: which schedule, seed and fit LR its runs use. */
export const PROBE_FLAGS = {
  schedule: {
    kind: "string",
    choices: ["cosine", "wsd", "constant"],
    default: "cosine",
    help: "base schedule",
  },
  seed: { kind: "number", integer: true, min: 0, default: 0, help: "weights and batches" },
  fit: { kind: "number", above: 0, default: 3e-3, help: "the fit LR (docs/results.md)" },
} as const;

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
