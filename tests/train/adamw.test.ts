import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createAdamW, initBackend, type Params, resolveAdamW } from "../../src/train/mod.ts";

const { ops } = await initBackend("wasm");

function setup(options = {}) {
  const params: Params = {
    w: tf.variable(tf.tensor2d([[1, -2], [3, 0.5]]), true), // 2-D: decayed
    b: tf.variable(tf.tensor1d([0.25, -1]), true), // 1-D: never decayed
  };
  const adam = createAdamW(ops, params, options);
  const dispose = () => {
    adam.dispose();
    params.w.dispose();
    params.b.dispose();
  };
  return { params, adam, dispose };
}

const grads = () => ({ w: tf.tensor2d([[0.1, -0.2], [0, 0.3]]), b: tf.tensor1d([-0.4, 0.05]) });
const values = (t: tf.Tensor) => Array.from(t.dataSync());
const close = (got: number[], want: number[], tol = 1e-6) =>
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < tol, `got ${got}, want ${want}`));

Deno.test("resolveAdamW() fills the documented defaults and rejects bad values", () => {
  assert.deepEqual(resolveAdamW(), {
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    gradClip: 1.0,
  });
  assert.throws(() => resolveAdamW({ beta2: 1 }), /beta2/);
  assert.throws(() => resolveAdamW({ gradClip: -1 }), /gradClip/);
});

Deno.test("AdamW's first step is lr * sign(g) after bias correction, plus decoupled decay", () => {
  const { params, adam, dispose } = setup({ gradClip: 0, weightDecay: 0.1 });
  const lr = 0.01;
  tf.tidy(() => adam.update(grads(), lr));
  assert.equal(adam.t, 1);
  // m_hat = g, v_hat = g^2, so the step is lr * g / (|g| + eps): lr * sign(g), 0 where g = 0.
  const w0 = [1, -2, 3, 0.5], gw = [0.1, -0.2, 0, 0.3];
  close(values(params.w), w0.map((w, i) => w * (1 - lr * 0.1) - lr * Math.sign(gw[i])), 1e-6);
  close(values(params.b), [0.25 + lr, -1 - lr]); // no decay on 1-D parameters
  close(values(adam.m.w), gw.map((g) => 0.1 * g));
  close(values(adam.v.b), [0.05 * 0.16, 0.05 * 0.0025], 1e-9);
  dispose();
});

Deno.test("AdamW's second step follows the moment recurrences", () => {
  const { params, adam, dispose } = setup({ gradClip: 0, weightDecay: 0 });
  tf.tidy(() => adam.update(grads(), 0.01));
  tf.tidy(() => adam.update({ w: tf.mul(grads().w, 2), b: tf.zerosLike(params.b) }, 0.02));
  const [g1, g2] = [0.1, 0.2]; // w[0][0]'s gradients
  const m = 0.9 * 0.1 * g1 + 0.1 * g2, v = 0.95 * 0.05 * g1 ** 2 + 0.05 * g2 ** 2;
  const step = (0.02 * m / (1 - 0.9 ** 2)) / (Math.sqrt(v / (1 - 0.95 ** 2)) + 1e-8);
  close([values(params.w)[0]], [1 - 0.01 - step], 1e-6);
  dispose();
});

Deno.test("AdamW clips the global gradient norm before the moments see it", () => {
  const { adam, dispose } = setup({ gradClip: 0.1, weightDecay: 0 });
  const g = grads();
  const norm = Math.sqrt([...values(g.w), ...values(g.b)].reduce((s, x) => s + x * x, 0));
  tf.tidy(() => adam.update(g, 0.01));
  const scale = 0.1 / (norm + 1e-6);
  close(values(adam.m.w), values(g.w).map((x) => 0.1 * x * scale));
  close(values(adam.m.b), values(g.b).map((x) => 0.1 * x * scale));
  tf.dispose(g);
  dispose();
});

Deno.test("AdamW leaves no tensors behind and rejects a bad learning rate", () => {
  const { adam, dispose } = setup();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) tf.tidy(() => adam.update(grads(), 1e-3));
  assert.equal(tf.memory().numTensors, before);
  assert.throws(() => adam.update({}, NaN), /lr must be finite/);
  dispose();
});
