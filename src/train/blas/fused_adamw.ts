/**
 * AdamW as two wasm kernels instead of ~15 tfjs ops per parameter: on the small GPT the
 * optimizer was ~420 of a step's ~900 kernels, and on wasm every kernel costs dispatch,
 * allocation and a pass over memory. One kernel updates a parameter and both moments in a single
 * loop over the heap; another sums the squares of all gradients for the clip norm.
 *
 * The math is the reference `adamwStep`'s (src/train/reference_ops.ts), term for term, computed
 * in float64 and stored as float32. Outputs are new tensors (tfjs tensors are immutable: snapshots share their buffers), which the
 * caller `assign`s.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { AdamWStepAttrs } from "../ops.ts";
import type { AdamWConstants, SimdKernels } from "./simd.ts";
import { heapOffset, isWasmBackend } from "./wasm_backend.ts";

const ADAMW = "AdalrsAdamW";
const SUM_SQUARES = "AdalrsSumSquares";

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** The SIMD loop when given one (`simd`); the scalar loop otherwise, and for the tail. */
function adamwKernel(simd: SimdKernels | null, args: KernelArgs): tf.TensorInfo[] {
  const { p, m, v, g, scale } = args.inputs as Record<string, tf.TensorInfo>;
  const a = args.attrs as unknown as AdamWStepAttrs;
  const backend = args.backend;
  if (!isWasmBackend(backend)) throw new Error(`${ADAMW} runs on the wasm backend only`);
  const n = tf.util.sizeFromShape(p.shape);
  const outs = [p, m, v].map((t) => backend.makeOutput(t.shape, "float32"));
  const heap = backend.wasm.HEAPU8.buffer; // after the allocations, which may grow it
  const view = (t: tf.TensorInfo) => new Float32Array(heap, heapOffset(backend, t), n);
  const [P, M, V, G] = [p, m, v, g].map(view);
  const [P2, M2, V2] = outs.map(view);
  const c = folded(new Float32Array(heap, heapOffset(backend, scale), 1)[0], a);
  let done = 0;
  if (simd !== null) {
    const [op, om, ov, og, op2, om2, ov2] = [p, m, v, g, ...outs].map((t) =>
      heapOffset(backend, t)
    );
    simd.adamw(op, om, ov, og, op2, om2, ov2, n, c);
    done = n - (n % 4);
  }
  adamwLoop(P, M, V, G, P2, M2, V2, c, done); // all of it, or the SIMD loop's tail
  return outs;
}

/** The per-step constants with the clip scale folded in (25% faster than in the loop). */
function folded(s: number, a: AdamWStepAttrs): AdamWConstants {
  return {
    beta1: a.beta1,
    g1: s * (1 - a.beta1),
    beta2: a.beta2,
    g2: s * s * (1 - a.beta2),
    decay: a.decay,
    stepSize: a.stepSize,
    invRoot: 1 / a.rootCorrection,
    eps: a.eps,
  };
}

// A plain function of typed arrays: V8 optimises its loop far better than the same loop inline
// in the kernel (measured 2x on the layer norm kernels). In float64; the SIMD path is float32,
// and both round to float32 results well within the reference's tolerance.
function adamwLoop(
  P: Float32Array,
  M: Float32Array,
  V: Float32Array,
  G: Float32Array,
  P2: Float32Array,
  M2: Float32Array,
  V2: Float32Array,
  c: AdamWConstants,
  from: number,
): void {
  const { beta1, g1, beta2, g2, decay, stepSize, invRoot, eps } = c;
  for (let i = from; i < P.length; i++) {
    const gi = G[i];
    const mi = M[i] * beta1 + gi * g1;
    const vi = V[i] * beta2 + gi * gi * g2;
    M2[i] = mi;
    V2[i] = vi;
    P2[i] = P[i] * decay - (mi * stepSize) / (Math.sqrt(vi) * invRoot + eps);
  }
}

function sumSquaresKernel(args: KernelArgs): tf.TensorInfo {
  const xs = Object.values(args.inputs) as tf.TensorInfo[];
  const backend = args.backend;
  if (!isWasmBackend(backend)) throw new Error(`${SUM_SQUARES} runs on the wasm backend only`);
  const out = backend.makeOutput([], "float32");
  const heap = backend.wasm.HEAPU8.buffer;
  let sum = 0;
  for (const x of xs) {
    const a = new Float32Array(heap, heapOffset(backend, x), tf.util.sizeFromShape(x.shape));
    for (let i = 0; i < a.length; i++) sum += a[i] * a[i];
  }
  new Float32Array(heap, heapOffset(backend, out), 1)[0] = sum;
  return out;
}

/**
 * Registers the fused AdamW kernels on the wasm backend (done by `accelerateWasm`).
 *
 * @param simd The SIMD loops to use, or null for the scalar loop.
 * @returns A function that unregisters them.
 */
export function installFusedAdamW(simd: SimdKernels | null): () => void {
  const adamw = (args: KernelArgs) => adamwKernel(simd, args);
  tf.registerKernel({ kernelName: ADAMW, backendName: "wasm", kernelFunc: adamw });
  tf.registerKernel({ kernelName: SUM_SQUARES, backendName: "wasm", kernelFunc: sumSquaresKernel });
  return () => {
    tf.unregisterKernel(ADAMW, "wasm");
    tf.unregisterKernel(SUM_SQUARES, "wasm");
  };
}

/**
 * One AdamW update of one parameter in a single kernel.
 *
 * @param p The parameter.
 * @param m Its first moment.
 * @param v Its second moment.
 * @param g Its gradient.
 * @param scale Scalar multiplying the gradient first (the clip factor; `tf.scalar(1)` for none).
 * @param attrs Betas, eps and this step's bias-corrected step size, root correction and decay.
 * @returns New `[p, m, v]`, to be assigned to the variables.
 * @example
 * ```ts ignore
 * const [p2, m2, v2] = fusedAdamW(p, m[n], v[n], grads[n], scale, {
 *   beta1, beta2, eps, stepSize: lr / (1 - beta1 ** t), rootCorrection: Math.sqrt(1 - beta2 ** t),
 *   decay: p.rank === 2 ? 1 - lr * weightDecay : 1,
 * });
 * p.assign(p2); m[n].assign(m2); v[n].assign(v2);
 * ```
 */
export function fusedAdamW(
  p: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  g: tf.Tensor,
  scale: tf.Tensor,
  attrs: AdamWStepAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const inputs = { p, m, v, g, scale } as unknown as tf.NamedTensorMap;
  const outs = tf.engine().runKernel(ADAMW, inputs, attrs as unknown as tf.NamedAttrMap);
  return outs as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/**
 * The sum of squares of every element of every tensor, as one kernel (for the global grad norm).
 *
 * @param tensors The gradients.
 * @returns A float32 scalar.
 */
export function sumOfSquares(tensors: tf.Tensor[]): tf.Scalar {
  const inputs = tensors as unknown as tf.NamedTensorMap;
  return tf.engine().runKernel(SUM_SQUARES, inputs) as tf.Scalar;
}
