/**
 * The training engine: tfjs backend selection (wasm, cpu, webgpu, tensorflow), byte-level data,
 * a GPT model, AdamW, and the trainer facade that workers drive step by step. Pure compute: no
 * KV, no HTTP.
 *
 * @example
 * ```ts ignore
 * import { createTrainer, initBackend } from "./mod.ts";
 * const trainer = createTrainer({
 *   model: { layers: 2, width: 128, heads: 4, contextLength: 64 },
 *   data: { corpus: "moby-dick" },
 *   batchSize: 16,
 *   seed: 1,
 *   optimizer: { weightDecay: 0.1 },
 *   backend: await initBackend("wasm"),
 * });
 * for (let step = 0; step < 100; step++) await trainer.step(step, 1e-3);
 * console.log(await trainer.evaluate(4));
 * trainer.dispose();
 * ```
 *
 * @module
 */

export { type AdamW, type AdamWOptions, createAdamW, resolveAdamW } from "./adamw.ts";
export {
  type Backend,
  type BackendInfo,
  initBackend,
  isRuntimeAbort,
  tensorflowSetupHint,
  wasmBinaryDir,
} from "./backend.ts";
export { BACKEND_NAMES, type BackendName, parseBackendName } from "./backend_name.ts";
export {
  describeAdapter,
  explainVulkanSetup,
  findWebgpuAdapter,
  type GpuAdapterInfo,
  probeVulkanSetup,
  type VulkanSetup,
} from "./webgpu/mod.ts";
export {
  type Checkpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  type NamedTensor,
} from "./checkpoint.ts";
export { type Bigram, bigramLoss, fitBigram } from "./bigram.ts";
export { CORPUS_NAMES, type CorpusName, loadCorpus } from "./corpus.ts";
export {
  type Batch,
  createDataset,
  type Dataset,
  type DatasetOptions,
  sampleBatch,
  unigramEntropy,
} from "./data.ts";
export {
  gptLogits,
  gptLoss,
  initParams,
  type ModelConfig,
  parameterCount,
  type ParamInit,
  type Params,
  type ParamSpec,
  paramSpecs,
  resolveModelConfig,
} from "./gpt.ts";
export { GRADIENT_KERNELS, registerGradients } from "./gradients.ts";
export { crossEntropy, linear, oneHotFloat } from "./layers.ts";
export {
  type AdamWStepAttrs,
  type AttentionShape,
  GELU_A,
  GELU_K,
  LN_EPS,
  type MatMulOps,
  type Ops,
} from "./ops.ts";
export { referenceOps } from "./reference_ops.ts";
export { BYTE_VOCAB_SIZE, decode, encode } from "./tokenizer.ts";
export {
  createTrainer,
  type Trainer,
  type TrainerOptions,
  type TrainerSnapshot,
} from "./trainer.ts";
