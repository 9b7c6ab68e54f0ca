import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  gptLogits,
  gptLoss,
  initBackend,
  initParams,
  parameterCount,
  type Params,
  paramSpecs,
  resolveModelConfig,
} from "../../src/train/mod.ts";
import { TINY_MODEL } from "./_tiny.ts";

const { ops } = await initBackend("wasm");

const disposeAll = (p: Params) => Object.values(p).forEach((v) => v.dispose());

Deno.test("parameterCount() matches GPT-2's formula and the created variables", () => {
  // V C + T C + L (12 C^2 + 13 C) + 2 C, with the head tied to wte.
  const formula = (V: number, T: number, L: number, C: number) =>
    V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C;
  const config = { layers: 2, width: 128, heads: 4, contextLength: 64 };
  assert.equal(parameterCount(config), formula(256, 64, 2, 128));
  assert.equal(parameterCount(config), 437_760);
  const params = initParams(TINY_MODEL, 1);
  const sizes = Object.values(params).reduce((n, v) => n + v.size, 0);
  assert.equal(sizes, parameterCount(TINY_MODEL));
  assert.equal(sizes, formula(256, 16, 1, 32));
  disposeAll(params);
});

Deno.test("resolveModelConfig() defaults the vocabulary and checks the heads", () => {
  assert.equal(resolveModelConfig(TINY_MODEL).vocabSize, 256);
  assert.throws(() => resolveModelConfig({ ...TINY_MODEL, heads: 3 }), /not divisible/);
  assert.throws(() => resolveModelConfig({ ...TINY_MODEL, layers: 0 }), /layers/);
});

Deno.test("initParams() is seeded, per-parameter, with the GPT-2 scales", () => {
  const a = initParams(TINY_MODEL, 42);
  const b = initParams(TINY_MODEL, 42);
  const c = initParams(TINY_MODEL, 43);
  const bits = (v: tf.Tensor) => new Uint32Array((v.dataSync() as Float32Array).slice().buffer);
  assert.deepEqual(Object.keys(a), paramSpecs(TINY_MODEL).map((s) => s.name));
  for (const name of Object.keys(a)) assert.deepEqual(bits(a[name]), bits(b[name]), name);
  assert.notDeepEqual(bits(a.wte), bits(c.wte));
  assert.notDeepEqual(bits(a.wte), bits(a.wpe)); // each parameter has its own stream
  const std = (v: tf.Tensor) => tf.tidy(() => Math.sqrt(tf.moments(v).variance.dataSync()[0]));
  assert.ok(Math.abs(std(a.wte) - 0.02) < 0.002);
  assert.ok(Math.abs(std(a["h0.attn.proj.w"]) - 0.02 / Math.sqrt(2)) < 0.002);
  assert.deepEqual(Array.from(a["h0.ln1.g"].dataSync()), new Array(32).fill(1));
  assert.deepEqual(Array.from(a["h0.mlp.fc.b"].dataSync()), new Array(128).fill(0));
  [a, b, c].forEach(disposeAll);
});

Deno.test("gptLogits() is causal: a position never sees later tokens", () => {
  const params = initParams(TINY_MODEL, 5);
  tf.tidy(() => {
    const T = 16;
    const ids = Array.from({ length: T }, (_, i) => (i * 31) % 256);
    const changed = ids.slice();
    changed[10] = 200; // perturb position 10 only
    const run = (x: number[]) =>
      gptLogits(ops, params, TINY_MODEL, tf.tensor2d([x], [1, T], "int32"));
    const [before, after] = [run(ids).arraySync(), run(changed).arraySync()];
    for (let t = 0; t < T; t++) {
      const diff = Math.max(...before[t].map((z, v) => Math.abs(z - after[t][v])));
      if (t < 10) assert.equal(diff, 0, `position ${t} changed`);
      else assert.ok(diff > 0, `position ${t} did not change`);
    }
  });
  disposeAll(params);
});

Deno.test("gptLoss() starts near ln(256) from the small initial weights", () => {
  const params = initParams(TINY_MODEL, 9);
  const loss = tf.tidy(() => {
    const ids = tf.tensor2d(Array.from({ length: 64 }, (_, i) => i * 3 % 256), [4, 16], "int32");
    const targets = tf.tensor1d(Array.from({ length: 64 }, (_, i) => i * 7 % 256), "int32");
    return gptLoss(ops, params, TINY_MODEL, ids, targets).dataSync()[0];
  });
  assert.ok(Math.abs(loss - Math.log(256)) < 0.05, `initial loss ${loss}`);
  disposeAll(params);
});
