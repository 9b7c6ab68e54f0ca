import * as tf from "@tensorflow/tfjs-core";
import { createTrainer } from "../../src/train/mod.ts";
for (const backend of ["wasm", "cpu"] as const) {
  const tr = await createTrainer({ model: { layers: 1, width: 32, heads: 2, contextLength: 16 }, data: { corpus: "moby-dick" }, batchSize: 4, seed: 1, optimizer: {}, backend });
  const losses = [];
  const t0 = performance.now();
  for (let s = 0; s < 30; s++) { losses.push(await tr.step(s, 3e-3)); if (s==2) console.log("tensors", tf.memory().numTensors); }
  console.log(backend, tr.parameterCount, (performance.now()-t0)/30, "ms/step", losses.slice(0,3), losses.slice(-3), "tensors", tf.memory().numTensors);
  console.log("val", await tr.evaluate(2));
  tr.dispose();
  console.log("after dispose", tf.memory().numTensors);
}
