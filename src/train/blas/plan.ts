/**
 * How a tfjs `BatchMatMul` maps onto row-major sgemm calls: a pure function of the shapes.
 *
 * @module
 */

/** The sgemm calls that compute one batched matmul. */
export interface MatMulPlan {
  /** The output's shape: broadcast batch dims, then `[m, n]` (before any merging). */
  outShape: number[];
  /** Rows of each call's C (already multiplied by the batch when batches were merged). */
  m: number;
  n: number;
  k: number;
  /** Leading dimensions of A and B as stored (row-major, so the stored row length). */
  lda: number;
  ldb: number;
  /** Elements in one stored A matrix and one B matrix: the stride between batch entries. */
  aSize: number;
  bSize: number;
  /** For call i (which writes output matrix i): the batch entry of A and of B it reads. */
  aIndex: Int32Array;
  bIndex: Int32Array;
}

/**
 * Plans `op(a) @ op(b)` for tensors of rank >= 2 with NumPy-style broadcasting of the batch
 * dims (which includes every case tfjs's own kernels accept: equal batches, a batch of 1, or a
 * missing batch on one side).
 *
 * When B has a single matrix and A is not transposed, A's batch entries are contiguous rows of
 * one `[batch*m, k]` matrix, so the whole product is a single sgemm: that turns a linear layer
 * over `[B, T, C]` into one large, well-threaded call instead of B small ones.
 *
 * @param aShape Shape of a.
 * @param bShape Shape of b.
 * @param transposeA Whether a's last two dims are swapped.
 * @param transposeB Whether b's last two dims are swapped.
 * @returns The plan; throws on mismatched inner or batch dims.
 */
export function planBatchMatMul(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulPlan {
  const ra = aShape.length, rb = bShape.length;
  if (ra < 2 || rb < 2) {
    throw new Error(`matMul needs rank >= 2 tensors, got shapes [${aShape}] and [${bShape}]`);
  }
  const [a0, a1] = [aShape[ra - 2], aShape[ra - 1]];
  const [b0, b1] = [bShape[rb - 2], bShape[rb - 1]];
  const m = transposeA ? a1 : a0, k = transposeA ? a0 : a1;
  const kB = transposeB ? b1 : b0, n = transposeB ? b0 : b1;
  if (k !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${aShape} and ` +
        `${bShape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aBatch = aShape.slice(0, -2), bBatch = bShape.slice(0, -2);
  const outBatch = broadcastShapes(aBatch, bBatch);
  const batch = product(outBatch), aCount = product(aBatch), bCount = product(bBatch);
  const base = {
    outShape: [...outBatch, m, n],
    n,
    k,
    lda: Math.max(1, a1),
    ldb: Math.max(1, b1),
    aSize: a0 * a1,
    bSize: b0 * b1,
  };
  if (bCount === 1 && aCount === batch && !transposeA) {
    return { ...base, m: m * batch, aIndex: Int32Array.of(0), bIndex: Int32Array.of(0) };
  }
  const [aIndex, bIndex] = broadcastIndices(outBatch, aBatch, bBatch);
  return { ...base, m, aIndex, bIndex };
}

/**
 * NumPy broadcasting of two shapes (right-aligned; a dim of 1 stretches).
 *
 * @param a One shape.
 * @param b The other.
 * @returns The broadcast shape; throws when a pair of dims is neither equal nor 1.
 */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`Operands could not be broadcast together with shapes ${a} and ${b}.`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** For each entry of the output batch (row-major), the entry of A and of B it reads. */
function broadcastIndices(out: number[], a: readonly number[], b: readonly number[]) {
  const rank = out.length, batch = product(out);
  const aStride = stridesFor(a, rank), bStride = stridesFor(b, rank);
  const aIndex = new Int32Array(batch), bIndex = new Int32Array(batch);
  const counter = new Array<number>(rank).fill(0);
  let ai = 0, bi = 0;
  for (let i = 0; i < batch; i++) {
    aIndex[i] = ai;
    bIndex[i] = bi;
    // Odometer increment over the output's batch dims, moving A's and B's positions along.
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      ai += aStride[d];
      bi += bStride[d];
      if (counter[d] < out[d]) break;
      ai -= aStride[d] * out[d];
      bi -= bStride[d] * out[d];
      counter[d] = 0;
    }
  }
  return [aIndex, bIndex];
}

/** Row-major strides of `shape` right-aligned to `rank` dims, 0 where a dim broadcasts. */
function stridesFor(shape: readonly number[], rank: number): number[] {
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[rank - shape.length + i] = shape[i] === 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}

function product(shape: readonly number[]): number {
  return shape.reduce((x, y) => x * y, 1);
}

/**
 * Simplifies a transpose to the fewest axes that move the same bytes: size-1 axes are dropped,
 * and runs of input axes that stay adjacent and in order in the output are merged into one.
 * `[16, 64, 3, 4, 32]` with perm `[0, 1, 3, 2, 4]` becomes `[1024, 3, 4, 32]`, `[0, 2, 1, 3]`.
 *
 * @param shape The input's shape.
 * @param perm Output axis j is input axis `perm[j]`.
 * @returns The collapsed input shape and perm (rank 0 when nothing but size-1 axes remain).
 */
export function collapseTranspose(
  shape: readonly number[],
  perm: readonly number[],
): { shape: number[]; perm: number[] } {
  // Number the non-trivial input axes compactly: a size-1 axis never separates two others.
  const compact = new Map<number, number>();
  shape.forEach((size, axis) => size !== 1 && compact.set(axis, compact.size));
  const groups: number[][] = []; // in output order, each a run of compact input axes
  for (const axis of perm) {
    const c = compact.get(axis);
    if (c === undefined) continue;
    const last = groups.at(-1);
    if (last !== undefined && last.at(-1)! + 1 === c) last.push(c);
    else groups.push([c]);
  }
  const sizes = [...compact.keys()].map((axis) => shape[axis]);
  const byInput = [...groups].sort((g, h) => g[0] - h[0]);
  return {
    shape: byInput.map((g) => g.reduce((n, c) => n * sizes[c], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}
