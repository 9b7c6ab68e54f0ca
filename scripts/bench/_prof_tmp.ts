import * as tf from "@tensorflow/tfjs-core";
import { accelerateWasm } from "../../src/train/blas/mod.ts";
import { createTrainer, initBackend } from "../../src/train/mod.ts";
import { CONFIGS } from "./_report.ts";
await initBackend("wasm");
await accelerateWasm();
const agg = new Map<string, { ms: number; n: number }>();
let on = false;
for (const k of tf.getKernelsForBackend("wasm")) {
  const f = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, "wasm");
  tf.registerKernel({ ...k, kernelFunc: (args) => {
    if (!on) return f(args);
    const t0 = performance.now(); const r = f(args); const dt = performance.now() - t0;
    const key = k.kernelName + (Deno.args[1] ? " " + Object.values(args.inputs).map((t) => `[${(t as tf.TensorInfo)?.shape}]`).join("") + JSON.stringify(Object.fromEntries(Object.entries(args.attrs ?? {}).filter(([a]) => a.startsWith("transpose")))) : "");
    const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += dt; a.n++; agg.set(key, a); return r;
  } });
}
const cfg = CONFIGS[Deno.args[0] ?? "small96"];
const trainer = await createTrainer({ model: cfg.model, data: { corpus: "moby-dick" }, batchSize: cfg.batch, seed: 1, optimizer: {} });
for (let s = 0; s < 5; s++) await trainer.step(s, 1e-3);
const R = 20; let total = 0;
on = true;
for (let r = 0; r < R; r++) { const t0 = performance.now(); await trainer.step(10 + r, 1e-3); total += performance.now() - t0; }
const sum = [...agg.values()].reduce((a, b) => a + b.ms, 0) / R;
console.log(`step ${(total / R).toFixed(1)} ms, kernel sum ${sum.toFixed(1)} ms, kernels ${[...agg.values()].reduce((a, b) => a + b.n, 0) / R}`);
for (const [k, v] of [...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(k.padEnd(70), (v.ms / R).toFixed(2), v.n / R);
trainer.dispose();
