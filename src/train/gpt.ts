/**
 * A GPT-2 style decoder-only transformer in tfjs ops, read bottom-up like nanoGPT: causal
 * self-attention, MLP, block, config and parameters, then the model and its loss. Linear and
 * cross-entropy come from layers.ts; attention, layer norm and GELU from the backend's `Ops`
 * (ops.ts), the one place where a backend's faster kernels differ from the textbook.
 *
 * Activations are kept 2-D as `[B*T, C]` wherever the math allows, so every projection is one
 * plain matmul; only attention works per head.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { hash32, seedWords } from "../random/mod.ts";
import { registerGradients } from "./gradients.ts";
import { crossEntropy, linear, oneHotFloat } from "./layers.ts";
import type { AttentionShape as Shape, Ops } from "./ops.ts";

// tfjs-core alone has no gradient rules; ours must be in place before the first forward pass.
registerGradients();

/** Multi-head causal self-attention. x: `[B*T, C]` -> `[B*T, C]`. */
function attention(ops: Ops, x: tf.Tensor, p: Params, l: number, shape: Shape): tf.Tensor2D {
  const qkv = linear(ops, x, p[`h${l}.attn.qkv.w`], p[`h${l}.attn.qkv.b`]); // [B*T, 3C]
  const merged = ops.attention(qkv, shape); // [B*T, C], heads side by side
  return linear(ops, merged, p[`h${l}.attn.proj.w`], p[`h${l}.attn.proj.b`]); // [B*T, C]
}

/** Position-wise MLP C -> 4C -> C. x: `[B*T, C]` -> `[B*T, C]`. */
function mlp(ops: Ops, x: tf.Tensor, p: Params, l: number): tf.Tensor2D {
  const h = ops.gelu(linear(ops, x, p[`h${l}.mlp.fc.w`], p[`h${l}.mlp.fc.b`])); // [B*T, 4C]
  return linear(ops, h, p[`h${l}.mlp.proj.w`], p[`h${l}.mlp.proj.b`]); // [B*T, C]
}

/** Pre-norm residual block. x: `[B*T, C]` -> `[B*T, C]`. */
function block(ops: Ops, x: tf.Tensor, p: Params, l: number, shape: Shape): tf.Tensor {
  const ln1 = ops.layerNorm(x, p[`h${l}.ln1.g`], p[`h${l}.ln1.b`]);
  x = tf.add(x, attention(ops, ln1, p, l, shape));
  return tf.add(x, mlp(ops, ops.layerNorm(x, p[`h${l}.ln2.g`], p[`h${l}.ln2.b`]), p, l));
}

/** Model hyperparameters. */
export interface ModelConfig {
  /** Token vocabulary size (V). @default 256 (byte-level) */
  vocabSize?: number;
  /** Number of transformer blocks (L). */
  layers: number;
  /** Residual stream width (C). */
  width: number;
  /** Attention heads (H); must divide the width. */
  heads: number;
  /** Longest sequence the position embedding covers (T). */
  contextLength: number;
}

/**
 * Fills defaults and checks a model config.
 *
 * @param config The user's config.
 * @returns The config with every field set.
 */
export function resolveModelConfig(config: ModelConfig): Required<ModelConfig> {
  const { vocabSize = 256, layers, width, heads, contextLength } = config;
  const resolved = { vocabSize, layers, width, heads, contextLength };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(`Model ${key} must be a positive integer, got ${value}`);
    }
  }
  if (resolved.width % resolved.heads !== 0) {
    throw new RangeError(
      `Model width ${resolved.width} is not divisible by heads ${resolved.heads}`,
    );
  }
  return resolved;
}

/** The trainable parameters, keyed by stable names such as `h0.attn.qkv.w`, in a fixed order. */
export type Params = Record<string, tf.Variable>;

/** How one parameter is initialised: N(0, std), all zeros, or all ones. */
export type ParamInit = { normal: number } | "zeros" | "ones";

/** A parameter's name, shape and initialiser. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
}

/**
 * Lists the model's parameters in their canonical order.
 *
 * @param config The model config.
 * @returns One spec per parameter tensor.
 */
export function paramSpecs(config: ModelConfig): ParamSpec[] {
  const { vocabSize: V, layers: L, width: C, contextLength: T } = resolveModelConfig(config);
  const std = 0.02;
  const residualStd = 0.02 / Math.sqrt(2 * L); // GPT-2: keeps the residual stream's growth flat
  const specs: ParamSpec[] = [
    { name: "wte", shape: [V, C], init: { normal: std } }, // also the output head (tied)
    { name: "wpe", shape: [T, C], init: { normal: std } },
  ];
  for (let l = 0; l < L; l++) {
    specs.push(
      { name: `h${l}.ln1.g`, shape: [C], init: "ones" },
      { name: `h${l}.ln1.b`, shape: [C], init: "zeros" },
      { name: `h${l}.attn.qkv.w`, shape: [C, 3 * C], init: { normal: std } },
      { name: `h${l}.attn.qkv.b`, shape: [3 * C], init: "zeros" },
      { name: `h${l}.attn.proj.w`, shape: [C, C], init: { normal: residualStd } },
      { name: `h${l}.attn.proj.b`, shape: [C], init: "zeros" },
      { name: `h${l}.ln2.g`, shape: [C], init: "ones" },
      { name: `h${l}.ln2.b`, shape: [C], init: "zeros" },
      { name: `h${l}.mlp.fc.w`, shape: [C, 4 * C], init: { normal: std } },
      { name: `h${l}.mlp.fc.b`, shape: [4 * C], init: "zeros" },
      { name: `h${l}.mlp.proj.w`, shape: [4 * C, C], init: { normal: residualStd } },
      { name: `h${l}.mlp.proj.b`, shape: [C], init: "zeros" },
    );
  }
  specs.push(
    { name: "lnf.g", shape: [C], init: "ones" },
    { name: "lnf.b", shape: [C], init: "zeros" },
  );
  return specs;
}

/**
 * Counts trainable scalars (the tied head adds none).
 *
 * @param config The model config.
 * @returns The number of parameters.
 */
export function parameterCount(config: ModelConfig): number {
  return paramSpecs(config).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Creates the parameters, seeded: the same (config, seed) gives bit-identical weights, because
 * tfjs draws seeded normals in JavaScript before handing them to any backend.
 *
 * @param config The model config.
 * @param seed The run seed; each parameter draws from its own seed derived from it.
 * @returns Fresh variables; the caller owns and disposes them.
 */
export function initParams(config: ModelConfig, seed: number): Params {
  const [lo, hi] = seedWords(seed);
  const params: Params = {};
  paramSpecs(config).forEach(({ name, shape, init }, i) => {
    const value = tf.tidy(() => {
      if (init === "zeros") return tf.zeros(shape);
      if (init === "ones") return tf.ones(shape);
      return tf.randomNormal(shape, 0, init.normal, "float32", hash32(lo, hi, i));
    });
    // No tfjs variable name: those are global to the engine, and two trainers may coexist.
    params[name] = tf.variable(value, true);
    value.dispose();
  });
  return params;
}

/**
 * The forward pass. inputs: `[B, T]` int32 token ids -> logits `[B*T, V]`.
 *
 * @param ops The backend's ops (`initBackend(...).ops`).
 * @param params The model's parameters.
 * @param config The model config.
 * @param inputs Token ids, T at most contextLength.
 * @returns Next-token logits, one row per position.
 */
export function gptLogits(
  ops: Ops,
  params: Params,
  config: ModelConfig,
  inputs: tf.Tensor2D,
): tf.Tensor2D {
  const { vocabSize: V, layers, width: C, heads: H, contextLength } = resolveModelConfig(config);
  const [B, T] = inputs.shape;
  if (T > contextLength) throw new RangeError(`Sequence length ${T} exceeds ${contextLength}`);
  const p = params;
  // Token embedding as one-hot @ wte rather than a gather: the gather's gradient needs
  // UnsortedSegmentSum, which the wasm backend lacks, and at V = 256 the matmul is cheap.
  const ids = tf.reshape(inputs, [B * T]);
  const tok = tf.matMul(oneHotFloat(ids, V), p.wte); // [B*T, V] @ [V, C] -> [B*T, C]
  const pos = tf.slice(p.wpe, [0, 0], [T, C]); // [T, C]
  let x = tf.reshape(tf.add(tf.reshape(tok, [B, T, C]), pos), [B * T, C]); // [B*T, C]
  for (let l = 0; l < layers; l++) x = block(ops, x, p, l, { B, T, H });
  x = ops.layerNorm(x, p["lnf.g"], p["lnf.b"]);
  return ops.matMulNT(x, p.wte); // tied head: [B*T, C] @ [C, V] -> [B*T, V]
}

/**
 * The training objective: mean next-token cross-entropy over all B*T positions.
 *
 * @param ops The backend's ops.
 * @param params The model's parameters.
 * @param config The model config.
 * @param inputs `[B, T]` int32 ids.
 * @param targets `[B*T]` int32 ids, the token after each input.
 * @returns The loss scalar.
 */
export function gptLoss(
  ops: Ops,
  params: Params,
  config: ModelConfig,
  inputs: tf.Tensor2D,
  targets: tf.Tensor1D,
): tf.Scalar {
  return crossEntropy(gptLogits(ops, params, config, inputs), targets);
}
