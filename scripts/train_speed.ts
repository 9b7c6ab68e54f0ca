/**
 * Measures training speed of the GPT on a tfjs backend: ms per step and tokens per second.
 *
 * Usage: deno run -A scripts/train_speed.ts [--backend wasm|cpu|webgpu|tensorflow] [--steps 20]
 * (`--backend` defaults to `ADALRS_BACKEND`, else wasm, like every training command)
 *
 * @module
 */

import { backendFlag, parseCommandLine } from "../src/cli/mod.ts";
import {
  BACKEND_NAMES,
  createTrainer,
  initBackend,
  type ModelConfig,
  parseBackendName,
} from "../src/train/mod.ts";

const { values } = parseCommandLine({
  usage: "deno run -A scripts/train_speed.ts " +
    `[--backend ${BACKEND_NAMES.join("|")}] [--steps 20]`,
  about: "Training speed of the GPT on a tfjs backend: ms per step and tokens per second.",
  flags: {
    backend: backendFlag(),
    steps: { kind: "number", integer: true, min: 1, default: 20, help: "timed steps" },
    warmup: { kind: "number", integer: true, min: 0, default: 3, help: "untimed steps first" },
  },
});
const backend = await initBackend(parseBackendName(values.backend));
const steps = values.steps;
const warmup = values.warmup;

const configs: { label: string; model: ModelConfig; batchSize: number }[] = [
  {
    label: "L2 C128 H4 T64 B16",
    model: { vocabSize: 256, layers: 2, width: 128, heads: 4, contextLength: 64 },
    batchSize: 16,
  },
  {
    label: "L3 C128 H4 T64 B16",
    model: { vocabSize: 256, layers: 3, width: 128, heads: 4, contextLength: 64 },
    batchSize: 16,
  },
];

for (const { label, model, batchSize } of configs) {
  const trainer = createTrainer({
    model,
    data: { corpus: "moby-dick" },
    batchSize,
    seed: 1,
    optimizer: {},
    backend,
  });
  // Warm-up steps pay for kernel setup and JIT; they are not timed.
  for (let s = 0; s < warmup; s++) await trainer.step(s, 1e-3);
  const start = performance.now();
  let loss = NaN;
  for (let s = warmup; s < warmup + steps; s++) loss = await trainer.step(s, 1e-3);
  const msPerStep = (performance.now() - start) / steps;
  const tokensPerSecond = (trainer.tokensPerStep / msPerStep) * 1000;
  console.log(
    `${trainer.backend.name} ${label}: ${trainer.parameterCount} params, ` +
      `${msPerStep.toFixed(1)} ms/step, ${tokensPerSecond.toFixed(0)} tokens/s ` +
      `(${trainer.tokensPerStep} tokens/step, last loss ${loss.toFixed(3)})`,
  );
  trainer.dispose();
}
