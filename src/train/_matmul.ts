/**
 * Matmul shapes that stay on the fast path of the wasm backend.
 *
 * The reference tfjs-backend-wasm kernels hand a 2-D matmul to XNNPACK only when neither
 * operand is transposed; `transposeA`/`transposeB` fall back to a naive loop 10-20x slower, and
 * sums over axis 0 go through a slow transpose. An explicit 2-D transpose costs about one pass
 * over memory, so without native BLAS these helpers transpose the cheapest operand and multiply
 * untransposed. With OpenBLAS installed (`isAccelerated()`), sgemm reads either layout at the
 * same speed and the leading-axis sum is one sgemv, so the extra passes are skipped.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { isAccelerated } from "./blas/mod.ts";

/** `a @ b^T`. a: `[M, K]`, b: `[N, K]` -> `[M, N]`. */
export function matMulNT(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (isAccelerated()) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true);
  return tf.matMul(a, tf.transpose(b));
}

/** `a^T @ b`. a: `[K, M]`, b: `[K, N]` -> `[M, N]`; transposes whichever side is cheaper. */
export function matMulTN(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  if (isAccelerated()) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, true, false);
  const [M, N] = [a.shape[1]!, b.shape[1]!];
  // (b^T a)^T moves K*N + M*N floats, a^T b moves K*M.
  if (M <= N) return tf.matMul(tf.transpose(a), b);
  return tf.transpose(tf.matMul(tf.transpose(b), a));
}

/** Column sums. x: `[N, C]` -> `[C]`; as `ones[1, N] @ x` on the reference kernels. */
export function sumRows(x: tf.Tensor): tf.Tensor1D {
  if (isAccelerated()) return tf.sum(x, 0) as tf.Tensor1D;
  const [N, C] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, N]), x), [C]);
}
