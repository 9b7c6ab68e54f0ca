import * as tf from "@tensorflow/tfjs-core";
import { createTrainer } from "../../src/train/mod.ts";
const tr = await createTrainer({
  model: { layers: 2, width: 128, heads: 4, contextLength: 64 },
  data: { corpus: "moby-dick" },
  batchSize: 16,
  seed: 1,
  optimizer: {},
  backend: (Deno.args[0] ?? "wasm") as "wasm",
});
for (let s = 0; s < 3; s++) await tr.step(s, 1e-3);
const agg = new Map<string, [number, number]>();
const origNow = performance.now.bind(performance);
// time kernels: wrap backend
const info = await tf.profile(async () => {
  await tr.step(5, 1e-3);
});
console.log("kernels", info.kernels.length);
// kernelTimeMs may be promises
for (const k of info.kernels) {
  const t = await (k.kernelTimeMs as unknown as Promise<number> | number);
  const key = Deno.args[1] ? k.name : k.name + " " + JSON.stringify(k.inputShapes);
  const a = agg.get(key) ?? [0, 0];
  a[0] += typeof t === "number" ? t : 0;
  a[1]++;
  agg.set(key, a);
}
const rows = [...agg.entries()].sort((a, b) => b[1][0] - a[1][0]);
let tot = 0;
for (const [, [t]] of rows) tot += t;
console.log("total kernel ms", tot);
for (const [k, [t, n]] of rows.slice(0, 40)) {
  console.log(t.toFixed(1).padStart(7), String(n).padStart(4), k);
}
const t0 = origNow();
await tr.step(6, 1e-3);
console.log("step ms", origNow() - t0);
