/**
 * Faster wasm kernels for the two layout operations a transformer step leans on, written
 * against the WebAssembly heap like the matmul kernels:
 *
 * - `Transpose`: tfjs wasm moves rank-5 tensors element by element (17 ms for the attention's
 *   `[B, T, 3, H, D]` -> `[3, B, H, T, D]` at B=16, T=64, C=128) and 2-D ones slowly
 *   (3 ms for `[1024, 384]`). Here: axes are collapsed first, 2-D and batched 2-D transposes go
 *   to OpenBLAS `somatcopy`, and a rank-5+ transpose that keeps the last axis in place becomes a
 *   loop of contiguous row copies (0.3 ms for the rank-5 case). Ranks 3-4 stay with XNNPACK.
 * - `Sum` over leading axes (every bias and broadcast gradient): tfjs wasm transposes the input
 *   to make those axes innermost, then reduces; here it is one `sgemv` with a vector of ones.
 *
 * `Concat`, `SplitV` and `Identity` are also replaced: run copies and buffer sharing beat what
 * tfjs wasm does (see each kernel). Everything else (other dtypes, other patterns) goes to the
 * original wasm kernel.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { BlasRoutines } from "./openblas.ts";
import { collapseTranspose } from "./plan.ts";
import { heapOffset, isWasmBackend } from "./wasm_backend.ts";

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** `Transpose` for 4-byte dtypes; see the module comment for which cases it takes. */
export function transposeKernel(blas: BlasRoutines, fallback: tf.KernelFunc) {
  return function transposeBlas(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as unknown as tf.TransposeAttrs;
    const backend = args.backend;
    const wordSized = x.dtype === "float32" || x.dtype === "int32";
    const c = collapseTranspose(x.shape, perm);
    const rank = c.shape.length;
    // Ranks 3 and 4 are XNNPACK's and fast (0.05-0.1 ms at [16, 64, 8, 32]); rank 5 and up are
    // element by element in tfjs wasm, where our run copies win 50x.
    const runCopy = rank >= 5 && c.perm[rank - 1] === rank - 1;
    const matrix = x.dtype === "float32" &&
      (rank === 2 || (rank === 3 && c.perm[0] === 0 && c.perm[1] === 2));
    if (!wordSized || !isWasmBackend(backend) || !(runCopy || matrix)) {
      return fallback(args); // includes no-op perms, which the original turns into a cheap copy
    }
    const outShape = perm.map((axis) => x.shape[axis]);
    const out = backend.makeOutput(outShape, x.dtype);
    const heap = backend.wasm.HEAPU8.buffer; // after makeOutput, which may grow the heap
    const size = tf.util.sizeFromShape(x.shape);
    if (matrix) {
      const [batch, rows, cols] = rank === 2 ? [1, ...c.shape] : c.shape;
      const from = heapOffset(backend, x), to = heapOffset(backend, out);
      for (let i = 0; i < batch; i++) {
        const bytes = i * rows * cols * 4;
        blas.transpose2d(
          rows,
          cols,
          new Float32Array(heap, from + bytes, rows * cols),
          new Float32Array(heap, to + bytes, rows * cols),
        );
      }
    } else {
      // Int32 views copy the bits as they are, whatever the dtype (no NaN canonicalisation).
      const src = new Int32Array(heap, heapOffset(backend, x), size);
      const dst = new Int32Array(heap, heapOffset(backend, out), size);
      copyRuns(src, dst, c.shape, c.perm);
    }
    return out;
  };
}

/** A transpose whose last axis stays last: copy runs of `shape[last]` contiguous words. */
function copyRuns(src: Int32Array, dst: Int32Array, shape: number[], perm: number[]): void {
  const rank = shape.length, run = shape[rank - 1];
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) (inStrides[i] = s), (s *= shape[i]);
  // Odometer over the output's outer axes; `from` follows the matching input offset.
  const outer = perm.slice(0, -1).map((a) => shape[a]);
  const step = perm.slice(0, -1).map((a) => inStrides[a]);
  const counter = new Array<number>(outer.length).fill(0);
  let from = 0;
  for (let to = 0; to < dst.length; to += run) {
    if (run >= 64) dst.set(src.subarray(from, from + run), to);
    else for (let i = 0; i < run; i++) dst[to + i] = src[from + i];
    for (let d = outer.length - 1; d >= 0; d--) {
      from += step[d];
      if (++counter[d] < outer[d]) break;
      from -= step[d] * outer[d];
      counter[d] = 0;
    }
  }
}

let ones = new Float32Array(0);

/** `Sum` of float32 over a block of leading axes, as `ones @ x`; other sums fall back. */
export function sumKernel(blas: BlasRoutines, fallback: tf.KernelFunc) {
  return function sumBlas(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const backend = args.backend;
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.every((a, i) => a === i);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
    const cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
    // cols === 1 is a full reduction, which the wasm kernel does without a transpose.
    if (x.dtype !== "float32" || !isWasmBackend(backend) || !leading || cols <= 1) {
      return fallback(args);
    }
    const outShape = keepDims
      ? x.shape.map((d, i) => (i < axes.length ? 1 : d))
      : x.shape.slice(axes.length);
    const out = backend.makeOutput(outShape, "float32");
    const heap = backend.wasm.HEAPU8.buffer;
    const y = new Float32Array(heap, heapOffset(backend, out), cols);
    if (rows === 0) {
      y.fill(0);
      return out;
    }
    if (ones.length < rows) ones = new Float32Array(rows).fill(1);
    const a = new Float32Array(heap, heapOffset(backend, x), rows * cols);
    blas.columnSums(rows, cols, a, ones, y);
    return out;
  };
}

/** Copies `rows` runs of `len` words between two strided layouts (loop beats `set` when short). */
function copyStrided(
  src: Int32Array,
  from: number,
  srcStride: number,
  dst: Int32Array,
  to: number,
  dstStride: number,
  rows: number,
  len: number,
): void {
  for (let r = 0; r < rows; r++, from += srcStride, to += dstStride) {
    if (len >= 256) dst.set(src.subarray(from, from + len), to);
    else for (let i = 0; i < len; i++) dst[to + i] = src[from + i];
  }
}

const isWord = (info: tf.TensorInfo) => info.dtype === "float32" || info.dtype === "int32";

/**
 * `Concat` of 4-byte tensors as strided block copies (OpenBLAS `somatcopy` for float32). tfjs
 * wasm makes a typed-array `subarray` per row, which costs more than the copy for short rows:
 * 2.5 ms for three `[1024, 128]` parts, against 0.05 ms here.
 */
export function concatKernel(blas: BlasRoutines, fallback: tf.KernelFunc) {
  return function concatBlas(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const xs = Object.values(args.inputs) as tf.TensorInfo[];
    const backend = args.backend;
    const sizes = xs.map((x) => tf.util.sizeFromShape(x.shape));
    if (
      !isWasmBackend(backend) || xs.length < 2 || !xs.every(isWord) ||
      xs.some((x) => x.dtype !== xs[0].dtype) || sizes.includes(0)
    ) {
      return fallback(args);
    }
    const { axis } = args.attrs as unknown as tf.ConcatAttrs;
    const $axis = tf.util.parseAxisParam(axis, xs[0].shape)[0];
    tf.backend_util.assertParamsConsistent(xs.map((x) => x.shape), $axis);
    const outShape = tf.backend_util.computeOutShape(xs.map((x) => x.shape), $axis);
    const out = backend.makeOutput(outShape, xs[0].dtype);
    const heap = backend.wasm.HEAPU8.buffer;
    const outer = tf.util.sizeFromShape(outShape.slice(0, $axis));
    const rowLen = tf.util.sizeFromShape(outShape.slice($axis));
    const dst = new Int32Array(heap, heapOffset(backend, out), outer * rowLen);
    let column = 0;
    xs.forEach((x, i) => {
      const len = sizes[i] / outer;
      if (x.dtype === "float32") {
        const src = new Float32Array(heap, heapOffset(backend, x), sizes[i]);
        const to = new Float32Array(dst.buffer, dst.byteOffset + column * 4, dst.length - column);
        blas.copy2d(outer, len, src, len, to, rowLen);
      } else {
        const src = new Int32Array(heap, heapOffset(backend, x), sizes[i]);
        copyStrided(src, 0, len, dst, column, rowLen, outer, len);
      }
      column += len;
    });
    return out;
  };
}

/**
 * `SplitV` of 4-byte tensors as strided block copies (OpenBLAS `somatcopy` for float32); tfjs
 * wasm slices, which first copies the whole input out of the heap, once per part.
 */
export function splitKernel(blas: BlasRoutines, fallback: tf.KernelFunc) {
  return function splitBlas(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend;
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const size = tf.util.sizeFromShape(x.shape);
    if (!isWasmBackend(backend) || !isWord(x) || size === 0) return fallback(args);
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const parts = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, $axis));
    const inner = tf.util.sizeFromShape(x.shape.slice($axis + 1));
    const rowLen = x.shape[$axis] * inner;
    const outs = parts.map((n) =>
      backend.makeOutput(x.shape.map((d, i) => (i === $axis ? n : d)), x.dtype)
    );
    const heap = backend.wasm.HEAPU8.buffer; // after every allocation
    const src = new Int32Array(heap, heapOffset(backend, x), size);
    let column = 0;
    outs.forEach((out, i) => {
      const len = parts[i] * inner;
      if (x.dtype === "float32") {
        const from = new Float32Array(heap, src.byteOffset + column * 4, size - column);
        const dst = new Float32Array(heap, heapOffset(backend, out), outer * len);
        blas.copy2d(outer, len, from, rowLen, dst, len);
      } else {
        const dst = new Int32Array(heap, heapOffset(backend, out), outer * len);
        copyStrided(src, column, rowLen, dst, 0, len, outer, len);
      }
      column += len;
    });
    return outs;
  };
}

/**
 * `Identity` that shares the input's buffer (as `Reshape` already does) instead of copying it:
 * tfjs clones every tensor it saves for the backward pass through this kernel, ~90 copies per
 * step of the small GPT. Sharing is safe because no wasm kernel writes into its inputs.
 */
export function identityKernel(_blas: BlasRoutines, fallback: tf.KernelFunc) {
  return function identityShared(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const backend = args.backend as { incRef?: (dataId: object) => void };
    if (x.dtype === "string" || typeof backend.incRef !== "function") return fallback(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
