import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../../src/train/backend.ts";
import {
  accelerateWasm,
  causalAttention,
  hasFusedAdamW,
  hasFusedAttention,
  hasFusedLayers,
} from "../../src/train/blas/mod.ts";
import { matMulNT, matMulTN, sumRows } from "../../src/train/_matmul.ts";
import { registerGradients } from "../../src/train/gradients.ts";
import { gelu, layerNorm } from "../../src/train/layers.ts";
import { createAdamW } from "../../src/train/mod.ts";
import { assertClose, bothWays, rand, valueAndGrads } from "./_both_ways.ts";

await initBackend("wasm");

/** The shared value-and-gradients check, tagged with whether the fused kernels ran. */
function fusedValueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: () => tf.Tensor[]) {
  const [y, ...grads] = valueAndGrads(f, inputs);
  return { fused: hasFusedLayers(), y, grads };
}

function assertSame(
  { ref, got }: {
    ref: ReturnType<typeof fusedValueAndGrads>;
    got: ReturnType<typeof fusedValueAndGrads>;
  },
  label: string,
) {
  assert(!ref.fused && got.fused, `${label}: the fused kernels ran only with OpenBLAS`);
  assertClose(got.y, ref.y, `${label} value`);
  got.grads.forEach((g, i) => assertClose(g, ref.grads[i], `${label} grad ${i}`));
}

Deno.test("layerNorm() with the fused kernel matches the reference ops, value and gradients", async () => {
  for (const [N, C] of [[1, 1], [3, 7], [64, 128], [33, 256]]) {
    const inputs = () => [rand([N, C], 1, 3), tf.add(1, rand([C], 2)), rand([C], 3)];
    const result = await bothWays(() =>
      fusedValueAndGrads((x, g, b) => layerNorm(x, g, b), inputs)
    );
    assertSame(result, `layerNorm [${N}, ${C}]`);
  }
});

Deno.test("gelu() with the fused backward matches the reference ops", async () => {
  for (const shape of [[1, 1], [5, 9], [256, 512]]) {
    assertSame(await bothWays(() => fusedValueAndGrads(gelu, () => [rand(shape, 4, 4)])), `gelu`);
  }
});

/** Causal attention of qkv `[B*T, 3C]` by split, head transposes and batched matmuls. */
function referenceAttention(qkv: tf.Tensor, B: number, T: number, H: number): tf.Tensor {
  const C = qkv.shape[1]! / 3, D = C / H;
  const [q, k, v] = tf.split(qkv, 3, 1).map((t) =>
    tf.reshape(tf.transpose(tf.reshape(t, [B, T, H, D]), [0, 2, 1, 3]), [B * H, T, D])
  );
  const mask = tf.tensor2d(
    Float32Array.from({ length: T * T }, (_, i) => i % T > Math.floor(i / T) ? -1e9 : 0),
    [T, T],
  );
  const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)), mask);
  const y = tf.matMul(tf.softmax(scores), v); // [B*H, T, D]
  return tf.reshape(tf.transpose(tf.reshape(y, [B, H, T, D]), [0, 2, 1, 3]), [B * T, C]);
}

Deno.test("causalAttention() matches split-transpose attention, with gradients", async () => {
  registerGradients();
  for (const [B, T, H, C] of [[1, 1, 1, 1], [2, 5, 3, 12], [3, 16, 4, 32]]) {
    const shape = { B, T, H };
    const f = (qkv: tf.Tensor) =>
      hasFusedAttention() ? causalAttention(qkv, shape) : referenceAttention(qkv, B, T, H);
    const run = () => {
      const r = fusedValueAndGrads(f, () => [rand([B * T, 3 * C], 11, 2)]);
      return { ...r, fused: hasFusedAttention() };
    };
    assertSame(await bothWays(run), `attention B${B} T${T} H${H} C${C}`);
  }
});

Deno.test("matMulNT(), matMulTN() and sumRows() agree with and without OpenBLAS", async () => {
  const a = () => rand([37, 19], 5), b = () => rand([23, 19], 6), c = () => rand([37, 23], 7);
  const run = () =>
    tf.tidy(() => [
      matMulNT(a(), b()).dataSync(),
      matMulTN(a(), c()).dataSync(),
      matMulTN(c(), a()).dataSync(),
      sumRows(c()).dataSync(),
    ]);
  const { ref, got } = await bothWays(run);
  got.forEach((g, i) => assertClose(g, ref[i], `helper ${i}`));
});

Deno.test("createAdamW() updates the same with the fused kernels as with tfjs ops", async () => {
  const run = () => {
    const params = { w: tf.variable(rand([9, 5], 8)), b: tf.variable(rand([5], 9)) };
    const adam = createAdamW(params, { gradClip: 0.5 });
    const fused = hasFusedAdamW();
    for (let t = 0; t < 4; t++) {
      tf.tidy(() => adam.update({ w: rand([9, 5], 10 + t), b: rand([5], 20 + t) }, 0.01));
    }
    const out = [params.w, params.b, adam.m.w, adam.v.b].map((v) => v.dataSync());
    adam.dispose();
    Object.values(params).forEach((v) => v.dispose());
    return { fused, out };
  };
  const { ref, got } = await bothWays(run);
  assert(!ref.fused && got.fused, "the fused path ran only with OpenBLAS");
  got.out.forEach((g, i) => assertClose(g, ref.out[i], `state ${i}`));
});

Deno.test("the fused kernels leave no tensors behind", async () => {
  assert((await accelerateWasm()).enabled);
  const before = tf.memory().numTensors;
  fusedValueAndGrads(
    (x, g, b) => causalAttention(gelu(layerNorm(x, g, b)), { B: 2, T: 4, H: 2 }),
    () => [rand([8, 24], 1), rand([24], 2), rand([24], 3)],
  );
  assert.equal(tf.memory().numTensors, before);
});
