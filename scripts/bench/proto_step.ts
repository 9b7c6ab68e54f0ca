/**
 * Measures one training step of the GPT with the optimizer as it is (`src/train/adamw.ts`) and
 * with the fused prototype (`proto_adamw.ts`), on wasm + OpenBLAS, and checks both give the same
 * weights. `deno run -A scripts/bench/proto_step.ts [small|medium]`
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { accelerateWasm } from "../../src/train/blas/mod.ts";
import { createAdamW, gptLoss, initBackend, initParams, type Params } from "../../src/train/mod.ts";
import { CONFIGS, median } from "./_report.ts";
import { fusedUpdate } from "./proto_adamw.ts";

await initBackend("wasm");
console.log(await accelerateWasm());
const { model, batch } = CONFIGS[Deno.args[0] ?? "small"];
const T = model.contextLength;
const ids = (n: number, k: number) => Int32Array.from({ length: n }, (_, i) => (i * k) % 96);

function trainer(fused: boolean) {
  const params: Params = initParams(model, 1);
  const names = Object.keys(params);
  const byVariable = new Map(names.map((n) => [params[n].name, n]));
  const adam = createAdamW(params, {});
  const step = () =>
    tf.tidy(() => {
      const x = tf.tensor2d(ids(batch * T, 7), [batch, T], "int32");
      const y = tf.tensor1d(ids(batch * T, 5), "int32");
      const { value, grads } = tf.variableGrads(
        () => gptLoss(params, model, x, y),
        names.map((n) => params[n]),
      );
      const named: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) named[byVariable.get(k)!] = g;
      if (fused) fusedUpdate(adam, params, named, 1e-3);
      else adam.update(named, 1e-3);
      value.dataSync();
    });
  return { params, step };
}

const a = trainer(false), b = trainer(true);
const times: [number[], number[]] = [[], []];
for (let i = 0; i < 23; i++) {
  for (const [j, t] of [a, b].entries()) {
    const start = performance.now();
    t.step();
    if (i >= 3) times[j].push(performance.now() - start);
  }
}
let maxDiff = 0;
for (const n of Object.keys(a.params)) {
  const [x, y] = [a.params[n].dataSync(), b.params[n].dataSync()];
  for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - y[i]));
}
console.log(
  `ms/step adamw.ts ${median(times[0]).toFixed(1)}, fused ${median(times[1]).toFixed(1)}`,
);
console.log(`max |weight difference| after 23 steps: ${maxDiff.toExponential(2)}`);
