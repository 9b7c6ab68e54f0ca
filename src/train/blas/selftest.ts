/**
 * Numerical self-tests of the BLAS routines, run before the kernels are installed: a library
 * whose kernels misbehave on this CPU (a wrong forced core type, a broken build) is refused.
 *
 * @module
 */

import type { BlasRoutines, Sgemm } from "./openblas.ts";

/**
 * Checks sgemm against a float64 JavaScript product on random matrices: all four transpose
 * combinations at odd sizes, and one size large enough to take the multi-threaded path.
 *
 * @param sgemm The routine under test.
 * @returns `null` when every entry is within float32 tolerance, else what went wrong.
 */
export function sgemmSelfTest(sgemm: Sgemm): string | null {
  const cases: [number, number, number][] = [[7, 5, 3], [67, 45, 33], [1, 1, 1], [192, 160, 256]];
  for (const [m, n, k] of cases) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const bad = checkOne(sgemm, m, n, k, tA, tB);
        if (bad !== null) return `m=${m} n=${n} k=${k} tA=${tA} tB=${tB}: ${bad}`;
      }
    }
  }
  return null;
}

function checkOne(sgemm: Sgemm, m: number, n: number, k: number, tA: boolean, tB: boolean) {
  const a = randomMatrix(m * k), b = randomMatrix(k * n), c = new Float32Array(m * n).fill(NaN);
  sgemm(tA, tB, m, n, k, a, tA ? m : k, b, tB ? k : n, 0, c, n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0, mag = 0;
      for (let p = 0; p < k; p++) {
        const x = a[tA ? p * m + i : i * k + p] * b[tB ? j * k + p : p * n + j];
        sum += x;
        mag += Math.abs(x);
      }
      const got = c[i * n + j];
      // float32 accumulation error grows with k and the magnitude of the terms, not the sum.
      if (!(Math.abs(got - sum) <= 1e-5 * k * mag + 1e-6)) {
        return `C[${i},${j}]=${got}, want ${sum}`;
      }
    }
  }
  return null;
}

/**
 * Checks the transpose, strided-copy and column-sum routines on an odd-sized random matrix.
 *
 * @param blas The routines under test.
 * @returns `null` when both are right, else what went wrong.
 */
export function layoutSelfTest(blas: BlasRoutines): string | null {
  const [rows, cols] = [37, 19];
  const a = randomMatrix(rows * cols),
    t = new Float32Array(rows * cols),
    sums = new Float32Array(cols);
  blas.transpose2d(rows, cols, a, t);
  blas.columnSums(rows, cols, a, new Float32Array(rows).fill(1), sums);
  // Columns 3..10 of every row into a packed [rows, 8] block.
  const block = new Float32Array(rows * 8);
  blas.copy2d(rows, 8, a.subarray(3), cols, block, 8);
  for (let i = 0; i < rows * 8; i++) {
    if (block[i] !== a[Math.floor(i / 8) * cols + 3 + (i % 8)]) return `copy2d wrong at ${i}`;
  }
  for (let j = 0; j < cols; j++) {
    let want = 0;
    for (let i = 0; i < rows; i++) {
      if (t[j * rows + i] !== a[i * cols + j]) return `transpose2d wrong at [${i}, ${j}]`;
      want += a[i * cols + j];
    }
    if (!(Math.abs(sums[j] - want) <= 1e-4)) return `columnSums[${j}]=${sums[j]}, want ${want}`;
  }
  return null;
}

function randomMatrix(size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = Math.random() * 2 - 1;
  return out;
}
