import * as tf from "@tensorflow/tfjs-core";
import { accelerateWasm } from "../../src/train/blas/mod.ts";
import { initBackend } from "../../src/train/mod.ts";
await initBackend("wasm");
await accelerateWasm();
const cases: [number[], number[], boolean, boolean][] = [
  [[1024, 512], [512, 128], false, false],
  [[1024, 128], [128, 512], false, false],
  [[1024, 128], [512, 128], false, true],
  [[1024, 128], [1024, 512], true, false],
  [[1024, 512], [1024, 128], true, false],
  [[64, 64, 32], [64, 64, 32], false, true],
  [[64, 64, 64], [64, 64, 32], false, false],
];
for (const [sa, sb, ta, tb] of cases) {
  const a = tf.randomUniform(sa), b = tf.randomUniform(sb);
  for (let i = 0; i < 5; i++) tf.matMul(a, b, ta, tb).dispose();
  const n = 50; const t0 = performance.now();
  for (let i = 0; i < n; i++) tf.matMul(a, b, ta, tb).dispose();
  const ms = (performance.now() - t0) / n;
  const flops = 2 * sa.reduce((x, y) => x * y) * (tb ? sb[sb.length - 2] : sb[sb.length - 1]);
  console.log(`${sa} x ${sb} ${ta} ${tb}: ${ms.toFixed(3)} ms ${(flops / ms / 1e6).toFixed(0)} GFLOP/s`);
}
