/**
 * The one seam where the fused kernels meet the model: every op of `Ops`, fused against
 * reference, values and gradients, on the same wasm backend with OpenBLAS installed.
 */

import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { accelerateWasm, fusedOps } from "../../src/train/blas/mod.ts";
import { initBackend, type Ops, referenceOps } from "../../src/train/mod.ts";
import { assertClose, rand, valueAndGrads } from "./_both_ways.ts";

const { ops: chosen } = await initBackend("wasm");
const status = await accelerateWasm();
assert(status.enabled, `BLAS not enabled: ${status.reason}`);
const fused = fusedOps({ simd: status.simd === true });

/** Plain-data results of one op on seeded inputs. */
type Case = (ops: Ops) => Float32Array[];

/** Values only: the matmul family runs inside backward passes and is never differentiated. */
const values = (f: () => tf.Tensor[]): Float32Array[] =>
  tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));

const adamwAttrs = (decay: number) => ({
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  stepSize: 0.01 / (1 - 0.9 ** 3),
  rootCorrection: Math.sqrt(1 - 0.95 ** 3),
  decay,
});

/** One list of cases per op; the mapped type makes a new op without a case a type error. */
const CASES: { [K in Exclude<keyof Ops, "name">]: Case[] } = {
  matMulNT: [(ops) => values(() => [ops.matMulNT(rand([37, 19], 5), rand([23, 19], 6))])],
  // Both branches of the reference: M <= N and M > N.
  matMulTN: [
    (ops) => values(() => [ops.matMulTN(rand([37, 19], 5), rand([37, 23], 7))]),
    (ops) => values(() => [ops.matMulTN(rand([37, 23], 7), rand([37, 19], 5))]),
  ],
  sumRows: [(ops) => values(() => [ops.sumRows(rand([37, 23], 7))])],
  attention: [[1, 1, 1, 1], [2, 5, 3, 12], [3, 16, 4, 32]].map(([B, T, H, C]) => (ops: Ops) =>
    valueAndGrads((qkv) => ops.attention(qkv, { B, T, H }), () => [rand([B * T, 3 * C], 11, 2)])
  ),
  // Widths not a multiple of 4 take the scalar loops, the others the SIMD ones.
  layerNorm: [[1, 1], [3, 7], [64, 128], [33, 256]].map(([N, C]) => (ops: Ops) =>
    valueAndGrads((x, g, b) => ops.layerNorm(x, g, b), () => [
      rand([N, C], 1, 3),
      tf.add(1, rand([C], 2)),
      rand([C], 3),
    ])
  ),
  gelu: [[1, 1], [5, 9], [256, 512]].map((shape) => (ops: Ops) =>
    valueAndGrads((x) => ops.gelu(x), () => [rand(shape, 4, 4)])
  ),
  sumOfSquares: [(ops) => values(() => [ops.sumOfSquares([rand([9, 5], 8), rand([7], 9)])])],
  adamwStep: [
    // Clipped and decayed (a matrix), then neither (a vector, odd length for the SIMD tail).
    (ops) =>
      values(() =>
        ops.adamwStep(
          rand([9, 5], 8),
          rand([9, 5], 9, 0.1),
          tf.abs(rand([9, 5], 10, 0.01)),
          rand([9, 5], 11),
          tf.scalar(0.5),
          adamwAttrs(1 - 0.01 * 0.1),
        )
      ),
    (ops) =>
      values(() =>
        ops.adamwStep(
          rand([7], 12),
          rand([7], 13, 0.1),
          tf.abs(rand([7], 14, 0.01)),
          rand([7], 15),
          null,
          adamwAttrs(1),
        )
      ),
  ],
};

for (const [op, cases] of Object.entries(CASES)) {
  Deno.test(`Ops.${op}() fused matches the reference, values and gradients`, () => {
    cases.forEach((run, i) => {
      const want = run(referenceOps), got = run(fused);
      assert.equal(got.length, want.length, `${op} case ${i}: outputs`);
      got.forEach((g, j) => assertClose(g, want[j], `${op} case ${i} output ${j}`));
    });
  });
}

Deno.test("initBackend('wasm') hands out the fused ops once OpenBLAS is in", () => {
  assert.equal(chosen.name, fused.name);
  assert.deepEqual(Object.keys(chosen).sort(), Object.keys(referenceOps).sort());
});

Deno.test("the fused ops leave no tensors behind", () => {
  const before = tf.memory().numTensors;
  for (const cases of Object.values(CASES)) for (const run of cases) run(fused);
  assert.equal(tf.memory().numTensors, before);
});
