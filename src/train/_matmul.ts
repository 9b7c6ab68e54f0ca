/**
 * The two forms of the matmul family (`MatMulOps`), one per kind of matmul kernel.
 *
 * The reference tfjs-backend-wasm kernels hand a 2-D matmul to XNNPACK only when neither
 * operand is transposed; `transposeA`/`transposeB` fall back to a naive loop 10-20x slower, and
 * sums over axis 0 go through a slow transpose. An explicit 2-D transpose costs about one pass
 * over memory, so the reference form transposes the cheapest operand and multiplies
 * untransposed. With OpenBLAS installed, sgemm reads either layout at the same speed and the
 * leading-axis sum is one sgemv, so the BLAS form skips the extra passes.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import type { MatMulOps } from "./ops.ts";

/** For the reference kernels of every backend. */
export const referenceMatMuls: MatMulOps = {
  matMulNT: (a, b) => tf.matMul(a, tf.transpose(b)),
  matMulTN(a, b) {
    const [M, N] = [a.shape[1]!, b.shape[1]!];
    // (b^T a)^T moves K*N + M*N floats, a^T b moves K*M.
    if (M <= N) return tf.matMul(tf.transpose(a), b);
    return tf.transpose(tf.matMul(tf.transpose(b), a));
  },
  sumRows(x) {
    const [N, C] = x.shape;
    return tf.reshape(tf.matMul(tf.ones([1, N]), x), [C]); // ones[1, N] @ x
  },
};

/** For the OpenBLAS kernels on wasm (blas/kernels.ts). */
export const blasMatMuls: MatMulOps = {
  matMulNT: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true),
  matMulTN: (a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false),
  sumRows: (x) => tf.sum(x, 0) as tf.Tensor1D,
};
