import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../../src/train/backend.ts";
import { accelerateWasm, restoreWasmKernels } from "../../src/train/blas/mod.ts";
import { assertClose, bothWays } from "./_both_ways.ts";
import { registerGradients } from "../../src/train/gradients.ts";

await initBackend("wasm");
registerGradients(); // tfjs-core's bundle ships no gradients; the model registers its own

let seed = 1;
const rand = (shape: number[]) => tf.randomUniform(shape, -1, 1, "float32", seed++);

interface Case {
  a: number[];
  b: number[];
  tA?: boolean;
  tB?: boolean;
}

// Shapes the reference wasm kernel supports: equal batches, a batch of 1, a missing batch.
const CASES: Case[] = [
  { a: [1, 1], b: [1, 1] },
  { a: [7, 33], b: [33, 65] },
  { a: [33, 7], b: [33, 65], tA: true },
  { a: [7, 33], b: [65, 33], tB: true },
  { a: [33, 7], b: [65, 33], tA: true, tB: true },
  { a: [3, 7, 33], b: [3, 33, 5] },
  { a: [1, 7, 33], b: [4, 33, 5] },
  { a: [4, 7, 33], b: [1, 33, 5] },
  { a: [4, 7, 33], b: [33, 5] },
  { a: [4, 33, 7], b: [33, 5], tA: true },
  { a: [4, 7, 33], b: [5, 33], tB: true },
  { a: [2, 3, 17, 9], b: [2, 3, 9, 1] },
  { a: [2, 3, 9, 17], b: [2, 3, 1, 9], tA: true, tB: true },
  { a: [1, 65, 33], b: [1, 33, 65] },
  { a: [5, 1, 33], b: [5, 33, 7] },
  { a: [64, 64, 32], b: [64, 64, 32], tB: true }, // attention scores
  { a: [64, 64, 64], b: [64, 64, 32] }, // attention output
  { a: [1024, 129], b: [129, 387] },
];

Deno.test("BatchMatMul on OpenBLAS matches the wasm kernel on random shapes", async () => {
  const run = () =>
    CASES.map((c) =>
      tf.tidy(() => {
        const y = tf.matMul(rand(c.a), rand(c.b), c.tA, c.tB);
        return { shape: y.shape, data: y.dataSync() };
      })
    );
  const before = tf.memory().numTensors;
  seed = 1;
  const { ref, got } = await bothWays(() => {
    seed = 1;
    return run();
  });
  CASES.forEach((c, i) => {
    const label = JSON.stringify(c);
    assert.deepEqual(got[i].shape, ref[i].shape, label);
    assertClose(got[i].data, ref[i].data, label);
  });
  assert.deepEqual(tf.memory().numTensors, before, "no tensor leaked");
});

Deno.test("BatchMatMul on OpenBLAS broadcasts batch dims like NumPy", async () => {
  const status = await accelerateWasm();
  assert(status.enabled, status.reason);
  try {
    tf.tidy(() => {
      const a = rand([2, 1, 5, 3]), b = rand([4, 3, 7]);
      const y = tf.matMul(a, b);
      assert.deepEqual(y.shape, [2, 4, 5, 7]);
      const [av, bv, yv] = [a.dataSync(), b.dataSync(), y.dataSync()];
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 4; j++) {
          const want = new Float64Array(35);
          for (let r = 0; r < 5; r++) {
            for (let c = 0; c < 7; c++) {
              for (let k = 0; k < 3; k++) {
                want[r * 7 + c] += av[i * 15 + r * 3 + k] * bv[j * 21 + k * 7 + c];
              }
            }
          }
          assertClose(yv.slice((i * 4 + j) * 35, (i * 4 + j + 1) * 35), want, `batch ${i},${j}`);
        }
      }
    });
  } finally {
    restoreWasmKernels();
  }
});

Deno.test("BatchMatMul on OpenBLAS handles an empty inner dim and empty outputs", async () => {
  const status = await accelerateWasm();
  assert(status.enabled, status.reason);
  try {
    tf.tidy(() => {
      assert.deepEqual(
        [...tf.matMul(tf.zeros([2, 3, 0]), tf.zeros([2, 0, 4])).dataSync()],
        Array(24).fill(0),
      );
      assert.deepEqual(tf.matMul(tf.zeros([0, 3]), tf.ones([3, 4])).shape, [0, 4]);
    });
  } finally {
    restoreWasmKernels();
  }
});

const FUSED: (Case & { bias?: number[]; activation?: "linear" | "relu" | "elu" })[] = [
  { a: [64, 33], b: [33, 65], bias: [65] },
  { a: [64, 33], b: [33, 65], bias: [65], activation: "relu" },
  { a: [33, 64], b: [65, 33], bias: [1], tA: true, tB: true },
  { a: [3, 7, 33], b: [33, 5] },
  { a: [3, 7, 33], b: [3, 33, 5], bias: [5], activation: "elu" }, // falls back to wasm
  { a: [1024, 128], b: [128, 384], bias: [384] },
];

Deno.test("_FusedMatMul on OpenBLAS matches the wasm kernel (bias, relu, fallback)", async () => {
  const run = () =>
    FUSED.map((c) =>
      tf.tidy(() => {
        const bias = c.bias ? rand(c.bias) : undefined;
        const y = tf.fused.matMul({
          a: rand(c.a),
          b: rand(c.b),
          transposeA: c.tA,
          transposeB: c.tB,
          bias,
          activation: c.activation,
        });
        return { shape: y.shape, data: y.dataSync() };
      })
    );
  const { ref, got } = await bothWays(() => {
    seed = 100;
    return run();
  });
  FUSED.forEach((c, i) => {
    assert.deepEqual(got[i].shape, ref[i].shape);
    assertClose(got[i].data, ref[i].data, JSON.stringify(c));
  });
});

Deno.test("gradients through matMul and fused matMul are unchanged on OpenBLAS", async () => {
  const run = () =>
    tf.tidy(() => {
      seed = 200;
      const x = rand([2, 4, 9, 6]), w = rand([2, 4, 6, 5]), q = rand([2, 4, 9, 5]);
      const x2 = rand([24, 17]), w2 = rand([17, 13]), b2 = rand([13]), r2 = rand([24, 13]);
      const f = (x: tf.Tensor, w: tf.Tensor, x2: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
        const att = tf.matMul(tf.matMul(x, w), q, false, true); // [2, 4, 9, 9]
        const lin = tf.fused.matMul({ a: x2 as tf.Tensor2D, b: w2 as tf.Tensor2D, bias: b2 });
        // Reduced to a scalar by matmuls too, so only BatchMatMul and Reshape need gradients.
        const dot = (t: tf.Tensor, r: tf.Tensor) =>
          tf.matMul(tf.reshape(t, [1, t.size]), tf.reshape(r, [r.size, 1]));
        return tf.reshape(tf.add(dot(att, att), dot(lin, r2)), []) as tf.Scalar;
      };
      return tf.grads(f)([x, w, x2, w2, b2]).map((g) => g.dataSync());
    });
  const { ref, got } = await bothWays(run);
  ref.forEach((r, i) => assertClose(got[i], r, `grad ${i}`));
});
