import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../../src/train/backend.ts";
import { accelerateWasm, fusedOps, restoreWasmKernels } from "../../src/train/blas/mod.ts";
import { loadSimdKernels } from "../../src/train/blas/simd.ts";
import { createAdamW, type Ops } from "../../src/train/mod.ts";
import { assertClose, rand, valueAndGrads } from "./_both_ways.ts";

await initBackend("wasm");

const K = Math.sqrt(2 / Math.PI), A = 0.044715;

Deno.test("the SIMD GELU is exact to float32 from -100 to 100, and NaN stays NaN", async () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const simd = await loadSimdKernels(memory);
  assert(simd !== null, "this runtime has WebAssembly SIMD");
  const n = 8192, bytes = n * 4;
  const [x, y, s] = [0, 1, 2].map((i) => new Float32Array(memory.buffer, i * bytes, n));
  x.forEach((_, i) => (x[i] = -100 + (200 * i) / (n - 1)));
  x[n - 1] = NaN;
  simd.gelu(0, bytes, 2 * bytes, n, 2 * K, 2 * K * A);
  for (let i = 0; i < n - 1; i++) {
    const t = 2 * K * (x[i] + A * x[i] ** 3), want = 1 / (1 + Math.exp(-t));
    // Float32 rounding of the result and of t itself (e^t's relative error is t's absolute one,
    // up to 4 roundings of |t| 2^-23 on the way to t); absolute 1e-30 where the sigmoid underflows (exp is clamped at e^88, so
    // s bottoms out near 6e-39 instead of 0).
    const rel = 3e-7 + 4 * Math.abs(t) * 2 ** -23;
    assert(Math.abs(s[i] - want) <= rel * want + 1e-30, `s(${x[i]}) = ${s[i]}, want ${want}`);
    assert(Math.abs(y[i] - x[i] * want) <= rel * Math.abs(x[i] * want) + 1e-30, `y(${x[i]})`);
  }
  assert(Number.isNaN(y[n - 1]) && Number.isNaN(s[n - 1]));
});

/** Runs `f` on the fused ops with the scalar loops, then with the SIMD ones. */
async function scalarAndSimd<T>(f: (ops: Ops) => T): Promise<{ scalar: T; simd: T }> {
  restoreWasmKernels();
  assert.equal((await accelerateWasm({ simd: false })).simd, false);
  const scalar = f(fusedOps({ simd: false }));
  restoreWasmKernels();
  assert.equal((await accelerateWasm({ simd: true })).simd, true);
  try {
    return { scalar, simd: f(fusedOps({ simd: true })) };
  } finally {
    restoreWasmKernels();
  }
}

Deno.test("GELU and layer norm give the same values and gradients with SIMD as without", async () => {
  // Odd sizes exercise the scalar tails; widths not a multiple of 4 keep layer norm scalar.
  for (const [N, C] of [[1, 1], [3, 7], [5, 12], [64, 128], [33, 256]]) {
    const ln = (ops: Ops) =>
      valueAndGrads((x, g, b) => ops.layerNorm(x, g, b), () => [
        rand([N, C], 1, 3),
        tf.add(1, rand([C], 2)),
        rand([C], 3),
      ]);
    const { scalar, simd } = await scalarAndSimd(ln);
    simd.forEach((got, i) => assertClose(got, scalar[i], `layerNorm [${N}, ${C}] ${i}`));
    const gl = (ops: Ops) => valueAndGrads((x) => ops.gelu(x), () => [rand([N, C], 4, 4)]);
    const g = await scalarAndSimd(gl);
    g.simd.forEach((got, i) => assertClose(got, g.scalar[i], `gelu [${N}, ${C}] ${i}`));
  }
});

Deno.test("AdamW updates the same with SIMD as without, tails included", async () => {
  const run = (ops: Ops) => {
    const params = { w: tf.variable(rand([9, 5], 8)), b: tf.variable(rand([7], 9)) };
    const adam = createAdamW(ops, params, { gradClip: 0.5 });
    for (let t = 0; t < 4; t++) {
      tf.tidy(() => adam.update({ w: rand([9, 5], 10 + t), b: rand([7], 20 + t) }, 0.01));
    }
    const out = [params.w, params.b, adam.m.w, adam.v.b].map((v) => v.dataSync());
    adam.dispose();
    Object.values(params).forEach((v) => v.dispose());
    return out;
  };
  const { scalar, simd } = await scalarAndSimd(run);
  simd.forEach((got, i) => assertClose(got, scalar[i], `state ${i}`));
});
