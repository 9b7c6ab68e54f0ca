import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  crossEntropy,
  gptLoss,
  GRADIENT_KERNELS,
  initBackend,
  initParams,
  linear,
  type Ops,
  type Params,
  referenceOps,
} from "../../src/train/mod.ts";
import { TINY_MODEL } from "./_tiny.ts";

// The reference ops, and the fused ones too where OpenBLAS loads: each carries its own gradients.
const { ops: active } = await initBackend("wasm");
const everyOps = active === referenceOps ? [referenceOps] : [referenceOps, active];

/**
 * Checks autodiff against central differences along a direction d, per input:
 * <grad_i, d_i> must match (f(x_i + eps d_i) - f(x_i - eps d_i)) / 2 eps.
 */
function checkGradients(
  label: string,
  f: (...xs: tf.Tensor[]) => tf.Scalar,
  xs: tf.Tensor[],
  { eps = 1e-2, tolerance = 2e-3 } = {},
) {
  tf.tidy(() => {
    const grads = tf.grads(f)(xs);
    xs.forEach((x, i) => {
      // A unit-norm direction, half along the gradient (so the derivative is large next to
      // float32 rounding) and half random (so a wrong gradient cannot hide in it).
      const unit = (t: tf.Tensor) => tf.div(t, tf.add(tf.norm(t), 1e-30));
      const random = tf.randomNormal(x.shape, 0, 1, "float32", 100 + i);
      const d = unit(tf.add(unit(grads[i]), unit(random)));
      const analytic = tf.sum(tf.mul(grads[i], d)).dataSync()[0];
      const at = (sign: number) =>
        f(...xs.map((y, j) => (j === i ? tf.add(y, tf.mul(d, sign * eps)) : y))).dataSync()[0];
      const numeric = (at(1) - at(-1)) / (2 * eps);
      const error = Math.abs(analytic - numeric) / Math.max(1e-3, Math.abs(numeric));
      assert.ok(
        error < tolerance,
        `${label}, input ${i}: autodiff ${analytic} vs finite difference ${numeric}`,
      );
      // Guard against a vacuous pass (both sides zero).
      assert.ok(Math.abs(numeric) > 1e-3, `${label}, input ${i}: derivative is ~0`);
    });
  });
}

const rnd = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);
/**
 * <op(x), r> for a fixed random r, sensitive to every output element. Written as a matmul
 * because the model (so gradients.ts) has no need for a Sum gradient.
 */
const weighted = (y: tf.Tensor, seed: number) =>
  tf.reshape(
    tf.matMul(tf.reshape(y, [1, y.size]), tf.reshape(rnd(y.shape, seed), [y.size, 1])),
    [],
  ) as tf.Scalar;

Deno.test("registerGradients() covers the kernels the model differentiates through", () => {
  for (const kernel of ["BatchMatMul", "Add", "Multiply", "Softmax", "Reshape", "Transpose"]) {
    assert.ok(GRADIENT_KERNELS.includes(kernel), kernel);
    assert.ok(tf.getGradient(kernel) != null, `${kernel} gradient is registered`);
  }
});

Deno.test("BatchMatMul gradient matches finite differences for every transpose, 2-D and 3-D", () => {
  for (const [tA, tB] of [[false, false], [false, true], [true, false], [true, true]]) {
    for (const batch of [[], [3]]) {
      const a = rnd([...batch, ...(tA ? [5, 4] : [4, 5])], 1);
      const b = rnd([...batch, ...(tB ? [6, 5] : [5, 6])], 2);
      checkGradients(
        `matMul tA=${tA} tB=${tB} batch=[${batch}]`,
        (x, y) => weighted(tf.matMul(x, y, tA, tB), 3),
        [a, b],
      );
    }
  }
});

Deno.test("broadcasting Add and Multiply gradients reduce to each input's shape", () => {
  const cases: [number[], number[]][] = [
    [[4, 3, 5], [5]],
    [[4, 3, 5], [3, 5]],
    [[4, 3, 5], [
      4,
      1,
      5,
    ]],
    [[2, 3], [2, 3]],
    [[2, 3], []],
  ];
  for (const [sa, sb] of cases) {
    const a = rnd(sa, 4);
    const b = rnd(sb, 5);
    checkGradients(`add [${sa}]+[${sb}]`, (x, y) => weighted(tf.add(x, y), 6), [a, b]);
    checkGradients(`mul [${sa}]*[${sb}]`, (x, y) => weighted(tf.mul(x, y), 6), [a, b]);
  }
});

Deno.test("shape-moving kernels' gradients match finite differences", () => {
  const x = rnd([2, 3, 4, 5], 7);
  checkGradients("transpose", (x) => weighted(tf.transpose(x, [0, 2, 1, 3]), 8), [x]);
  checkGradients("reshape", (x) => weighted(tf.reshape(x, [6, 20]), 8), [x]);
  checkGradients("slice", (x) => weighted(tf.slice(x, [0, 1, 0, 2], [2, 2, 3, 3]), 8), [x]);
  checkGradients("split, one piece unused", (x) => {
    const [p, , r] = tf.split(x, [1, 2, 2], 3);
    return tf.add(weighted(p, 9), weighted(r, 10)) as tf.Scalar;
  }, [x]);
  checkGradients("softmax", (x) => weighted(tf.softmax(x), 11), [x]);
});

Deno.test("hand-written layer gradients match finite differences, on every Ops", () => {
  const x = rnd([6, 8], 12);
  for (const ops of everyOps) {
    checkGradients(`linear, ${ops.name}`, (x, w, b) => weighted(linear(ops, x, w, b), 13), [
      x,
      rnd([8, 16], 14),
      rnd([16], 15),
    ]);
    checkGradients(`layerNorm, ${ops.name}`, (x, g, b) => weighted(ops.layerNorm(x, g, b), 16), [
      x,
      tf.add(1, rnd([8], 17)),
      rnd([8], 18),
    ]);
    checkGradients(`gelu, ${ops.name}`, (x) => weighted(ops.gelu(x), 19), [tf.mul(x, 2)]);
  }
  const targets = tf.tensor1d([0, 3, 7, 1, 1, 5], "int32");
  checkGradients("crossEntropy", (z) => crossEntropy(z, targets), [tf.mul(x, 3)]);
});

Deno.test("Ops.gelu() is the tanh approximation and crossEntropy() the mean NLL", () => {
  const xs = [-3, -0.5, 0, 0.7, 2.5];
  const got = tf.tidy(() => referenceOps.gelu(tf.tensor1d(xs)).dataSync());
  xs.forEach((x, i) => {
    const want = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
    assert.ok(Math.abs(got[i] - want) < 1e-6, `gelu(${x}) = ${got[i]}, want ${want}`);
  });
  const logits = [[1, 2, 3], [0, 0, 5]];
  const loss = tf.tidy(() =>
    crossEntropy(tf.tensor2d(logits), tf.tensor1d([2, 0], "int32")).dataSync()[0]
  );
  const nll = (row: number[], t: number) =>
    Math.log(row.reduce((s, z) => s + Math.exp(z), 0)) - row[t];
  assert.ok(Math.abs(loss - (nll(logits[0], 2) + nll(logits[1], 0)) / 2) < 1e-5);
});

Deno.test("the whole GPT loss has correct gradients for every parameter, on every Ops", () => {
  const params = initParams(TINY_MODEL, 3);
  try {
    for (const ops of everyOps) gptGradients(ops, params);
  } finally {
    for (const v of Object.values(params)) v.dispose();
  }
});

/** Finite differences against autodiff of the GPT loss, every parameter, on one Ops. */
function gptGradients(ops: Ops, params: Params) {
  const names = Object.keys(params);
  const B = 2, T = TINY_MODEL.contextLength;
  const ids = Array.from({ length: B * (T + 1) }, (_, i) => (i * 37 + 11) % 256);
  tf.tidy(() => {
    const inputs = tf.tensor2d(ids.slice(0, B * T), [B, T], "int32");
    const targets = tf.tensor1d(ids.slice(1, B * T + 1), "int32");
    // Larger weights than at init, so that every path carries a measurable gradient.
    const values = names.map((n, i) =>
      tf.add(params[n], tf.mul(rnd(params[n].shape, 50 + i), 0.1))
    );
    const loss = (...xs: tf.Tensor[]) => {
      const p = Object.fromEntries(names.map((n, i) => [n, xs[i]])) as never;
      return gptLoss(ops, p, TINY_MODEL, inputs, targets);
    };
    checkGradients(`gpt, ${ops.name}`, loss, values, { eps: 1e-2, tolerance: 1e-2 });
  });
}
