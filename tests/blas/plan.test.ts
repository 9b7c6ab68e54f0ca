import assert from "node:assert/strict";
import { broadcastShapes, collapseTranspose, planBatchMatMul } from "../../src/train/blas/plan.ts";

Deno.test("planBatchMatMul() merges a batch against one matrix into a single call", () => {
  const plan = planBatchMatMul([16, 64, 128], [128, 384], false, false);
  assert.deepEqual(plan.outShape, [16, 64, 384]);
  assert.deepEqual([plan.m, plan.n, plan.k, plan.lda, plan.ldb], [1024, 384, 128, 128, 384]);
  assert.deepEqual([...plan.aIndex], [0]);
});

Deno.test("planBatchMatMul() does not merge when A is transposed", () => {
  const plan = planBatchMatMul([3, 128, 64], [1, 128, 32], true, false);
  assert.deepEqual(plan.outShape, [3, 64, 32]);
  assert.deepEqual([plan.m, plan.k, plan.lda], [64, 128, 64]);
  assert.deepEqual([...plan.aIndex], [0, 1, 2]);
  assert.deepEqual([...plan.bIndex], [0, 0, 0]);
});

Deno.test("planBatchMatMul() reads transposed B's stored row length as ldb", () => {
  const plan = planBatchMatMul([64, 32, 16], [64, 48, 16], false, true);
  assert.deepEqual([plan.m, plan.n, plan.k, plan.lda, plan.ldb], [32, 48, 16, 16, 16]);
  assert.deepEqual(plan.aIndex.length, 64);
});

Deno.test("planBatchMatMul() broadcasts batch dims NumPy-style", () => {
  const plan = planBatchMatMul([2, 1, 5, 3], [4, 3, 7], false, false);
  assert.deepEqual(plan.outShape, [2, 4, 5, 7]);
  assert.deepEqual([...plan.aIndex], [0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual([...plan.bIndex], [0, 1, 2, 3, 0, 1, 2, 3]);
  const left = planBatchMatMul([5, 3], [2, 3, 7], false, false);
  assert.deepEqual(left.outShape, [2, 5, 7]);
  assert.deepEqual([...left.aIndex], [0, 0]);
  assert.deepEqual([...left.bIndex], [0, 1]);
});

Deno.test("planBatchMatMul() rejects mismatched inner dims and batches, and rank 1", () => {
  assert.throws(
    () => planBatchMatMul([2, 3], [4, 5], false, false),
    /inner shapes \(3\) and \(4\)/,
  );
  assert.throws(() => planBatchMatMul([2, 2, 3], [3, 3, 5], false, false), /broadcast/);
  assert.throws(() => planBatchMatMul([3], [3, 5], false, false), /rank >= 2/);
});

Deno.test("broadcastShapes() right-aligns and stretches ones", () => {
  assert.deepEqual(broadcastShapes([], [3]), [3]);
  assert.deepEqual(broadcastShapes([2, 1], [1, 3]), [2, 3]);
  assert.deepEqual(broadcastShapes([5, 1, 4], [3, 1]), [5, 3, 4]);
});

Deno.test("collapseTranspose() drops size-1 axes and merges axes that move together", () => {
  assert.deepEqual(collapseTranspose([16, 64, 3, 4, 32], [0, 1, 3, 2, 4]), {
    shape: [1024, 3, 4, 32],
    perm: [0, 2, 1, 3],
  });
  assert.deepEqual(collapseTranspose([16, 64, 3, 4, 32], [2, 0, 3, 1, 4]), {
    shape: [16, 64, 3, 4, 32],
    perm: [2, 0, 3, 1, 4],
  });
  assert.deepEqual(collapseTranspose([1, 1024, 384], [2, 0, 1]), {
    shape: [1024, 384],
    perm: [1, 0],
  });
  assert.deepEqual(collapseTranspose([4, 1, 5], [1, 0, 2]), { shape: [20], perm: [0] });
  assert.deepEqual(collapseTranspose([1, 1], [1, 0]), { shape: [], perm: [] });
  assert.deepEqual(collapseTranspose([2, 3, 4], [2, 0, 1]), { shape: [6, 4], perm: [1, 0] });
});
