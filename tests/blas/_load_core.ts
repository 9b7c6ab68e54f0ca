/**
 * Loads OpenBLAS in a fresh process and prints the core it chose. OpenBLAS reads
 * OPENBLAS_CORETYPE once, when the library is first loaded into a process, so each test of the
 * core-type logic needs a process of its own.
 *
 * @module
 */

import { loadOpenBlas } from "../../src/train/blas/openblas.ts";

const blas = loadOpenBlas();
console.log(JSON.stringify({
  core: blas.core,
  coreReason: blas.coreReason,
  threads: blas.threads,
  leaked: Deno.env.get("OPENBLAS_CORETYPE") ?? null,
}));
blas.close();
