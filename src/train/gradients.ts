/**
 * Gradients of the kernels the GPT uses, registered with tfjs.
 *
 * `@tensorflow/tfjs-core`'s bundled entry point (the one Deno and Node load) registers no
 * gradients at all: they live in per-file ES modules that only the `@tensorflow/tfjs` union
 * package bundles in, and those files cannot be imported under Deno (extensionless relative
 * imports). Rather than pull in the union package (layers, converter, webgl, data), we write the
 * rules for the kernels the model differentiates through outside its hand-written layers
 * (layers.ts). Each is a line or two of calculus; tests check them against finite differences.
 *
 * A rule is only registered where none exists, so loading `@tensorflow/tfjs-node` (which brings
 * the official ones) first keeps the official ones.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { blasMatMuls, referenceMatMuls } from "./_matmul.ts";
import { isAccelerated } from "./blas/mod.ts";

type Grads = Record<string, () => tf.Tensor>;
type Attrs = tf.NamedAttrMap;

/**
 * The matmul form for the kernels installed now. tfjs keeps one gradient rule per kernel for
 * every backend, so unlike the model (which is handed its `Ops`), a rule can only ask.
 */
const matMuls = () => isAccelerated() ? blasMatMuls : referenceMatMuls;

/** Sums a broadcast gradient back down to the shape of the input it came from. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  if (axes.length === 0) return dy;
  const lead = dy.rank - shape.length;
  const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
  if (shape.slice(lead).every((n, i) => n === dy.shape[lead + i])) {
    // Broadcast along leading axes only (a bias, a position table): one fast matmul.
    const rows = size(dy.shape.slice(0, lead));
    return tf.reshape(matMuls().sumRows(tf.reshape(dy, [rows, size(shape)])), shape);
  }
  return tf.reshape(tf.sum(dy, axes), shape);
}

/** The same four cases for 2-D operands, kept on wasm's untransposed fast path. */
function matMulGrads2d(g: tf.Tensor, a: tf.Tensor, b: tf.Tensor, tA: boolean, tB: boolean): Grads {
  const { matMulNT, matMulTN } = matMuls();
  if (!tA && !tB) return { a: () => matMulNT(g, b), b: () => matMulTN(a, g) };
  if (!tA && tB) return { a: () => tf.matMul(g, b), b: () => matMulTN(g, a) };
  if (tA && !tB) return { a: () => matMulNT(b, g), b: () => tf.matMul(a, g) };
  return { a: () => tf.transpose(tf.matMul(g, b)), b: () => tf.transpose(tf.matMul(a, g)) };
}

const rules: tf.GradConfig[] = [
  {
    // C = op(A) op(B), op = identity or transpose: the four cases of the product rule.
    kernelName: tf.BatchMatMul,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b], attrs: Attrs): Grads => {
      const g = dy as tf.Tensor;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (a.rank !== b.rank || a.shape.slice(0, -2).join() !== b.shape.slice(0, -2).join()) {
        throw new Error(
          `BatchMatMul gradient needs equal batch shapes, got [${a.shape}] [${b.shape}]`,
        );
      }
      if (a.rank === 2) return matMulGrads2d(g, a, b, transposeA, transposeB);
      if (!transposeA && !transposeB) {
        return { a: () => tf.matMul(g, b, false, true), b: () => tf.matMul(a, g, true, false) };
      }
      if (!transposeA && transposeB) {
        return { a: () => tf.matMul(g, b), b: () => tf.matMul(g, a, true, false) };
      }
      if (transposeA && !transposeB) {
        return { a: () => tf.matMul(b, g, false, true), b: () => tf.matMul(a, g) };
      }
      return { a: () => tf.matMul(b, g, true, true), b: () => tf.matMul(g, a, true, true) };
    },
  },
  {
    kernelName: tf.Add,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]): Grads => ({
      a: () => unbroadcast(dy as tf.Tensor, a.shape),
      b: () => unbroadcast(dy as tf.Tensor, b.shape),
    }),
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]): Grads => ({
      a: () => unbroadcast(tf.mul(dy as tf.Tensor, b), a.shape),
      b: () => unbroadcast(tf.mul(dy as tf.Tensor, a), b.shape),
    }),
  },
  {
    // y = softmax(x): dx = y * (dy - sum(dy * y)) along the softmax axis.
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs: Attrs): Grads => {
      const { dim } = attrs as unknown as tf.SoftmaxAttrs;
      const g = dy as tf.Tensor;
      return { logits: () => tf.mul(y, tf.sub(g, tf.sum(tf.mul(g, y), dim, true))) };
    },
  },
  {
    kernelName: tf.Reshape,
    inputsToSave: ["x"],
    gradFunc: (dy, [x]): Grads => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }),
  },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs: Attrs): Grads => {
      const { perm } = attrs as unknown as tf.TransposeAttrs;
      const undo = tf.backend_util.getUndoAxesPermutation(perm);
      return { x: () => tf.transpose(dy as tf.Tensor, undo) };
    },
  },
  {
    // The slice's gradient is itself, zero-padded back to the input's shape.
    kernelName: tf.Slice,
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs: Attrs): Grads => {
      const { begin, size } = attrs as unknown as tf.SliceAttrs;
      const [start, length] = tf.slice_util.parseSliceParams(x, begin, size);
      const padding = x.shape.map((n, i): [number, number] => [start[i], n - start[i] - length[i]]);
      return { x: () => tf.pad(dy as tf.Tensor, padding) };
    },
  },
  {
    // Pieces of a split concatenate back; unused pieces arrive as zeros.
    kernelName: tf.SplitV,
    inputsToSave: ["x"],
    gradFunc: (dys, [x], attrs: Attrs): Grads => {
      const { axis } = attrs as unknown as tf.SplitVAttrs;
      const [dim] = tf.util.parseAxisParam(axis, x.shape);
      return { x: () => tf.concat(dys as tf.Tensor[], dim) };
    },
  },
];

/** Kernel names this module provides a gradient for. */
export const GRADIENT_KERNELS: readonly string[] = rules.map((r) => r.kernelName);

/**
 * Registers the gradient rules that tfjs does not have yet. Idempotent; runs on import of the
 * model, before any forward pass (tfjs decides at forward time which tensors a rule saves).
 *
 * @returns The kernel names registered by this call.
 */
export function registerGradients(): string[] {
  const added: string[] = [];
  for (const rule of rules) {
    if (tf.getGradient(rule.kernelName) != null) continue;
    tf.registerGradient(rule);
    added.push(rule.kernelName);
  }
  return added;
}
