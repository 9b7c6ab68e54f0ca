/**
 * Loading Debian's OpenBLAS through Deno FFI, choosing its core type, and checking it computes
 * correctly before anyone relies on it.
 *
 * @module
 */

import { chooseCoreType, parseCpuFlags } from "./coretype.ts";
import { layoutSelfTest, sgemmSelfTest } from "./selftest.ts";

// Matrices travel as typed-array views ("buffer"): Deno passes the address of the view's first
// element, so a view into the WebAssembly heap is a zero-copy pointer into tfjs's data.
// somatcopy (an OpenBLAS extension) and sgemv serve the layout kernels: 2-D transposes and sums
// over leading axes, both slow in tfjs wasm.
// deno-fmt-ignore
const SYMBOLS = {
  cblas_sgemm: {
    // order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc
    parameters: ["i32", "i32", "i32", "i32", "i32", "i32", "f32", "buffer", "i32", "buffer", "i32",
      "f32", "buffer", "i32"],
    result: "void",
  },
  cblas_somatcopy: {
    // order, trans, rows, cols, alpha, A, lda, B, ldb
    parameters: ["i32", "i32", "i32", "i32", "f32", "buffer", "i32", "buffer", "i32"],
    result: "void",
  },
  cblas_sgemv: {
    // order, trans, M, N, alpha, A, lda, x, incx, beta, y, incy
    parameters: ["i32", "i32", "i32", "i32", "f32", "buffer", "i32", "buffer", "i32", "f32",
      "buffer", "i32"],
    result: "void",
  },
  openblas_set_num_threads: { parameters: ["i32"], result: "void" },
  openblas_get_num_threads: { parameters: [], result: "i32" },
  openblas_get_corename: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;

/**
 * Row-major single-precision GEMM: `C = alpha op(A) op(B) + beta C` (alpha defaults to 1), on
 * views whose first element is the matrix's first element.
 * A is `[m, k]` (or `[k, m]` when transposed), B is `[k, n]` (or `[n, k]`), C is `[m, n]`.
 */
export type Sgemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
  alpha?: number,
) => void;

/** `out[j, i] = a[i, j]` for a row-major `[rows, cols]` matrix `a`. */
export type Transpose2d = (rows: number, cols: number, a: Float32Array, out: Float32Array) => void;

/**
 * Copies a `[rows, cols]` block between strided layouts: `out[i * ldOut + j] = a[i * lda + j]`.
 * The views start at each block's first element.
 */
export type Copy2d = (
  rows: number,
  cols: number,
  a: Float32Array,
  lda: number,
  out: Float32Array,
  ldOut: number,
) => void;

/** `out[j] = sum_i a[i, j]` for a row-major `[rows, cols]` matrix `a`; `ones` has `rows` ones. */
export type ColumnSums = (
  rows: number,
  cols: number,
  a: Float32Array,
  ones: Float32Array,
  out: Float32Array,
) => void;

/** The BLAS routines the kernels call. */
export interface BlasRoutines {
  sgemm: Sgemm;
  transpose2d: Transpose2d;
  copy2d: Copy2d;
  columnSums: ColumnSums;
}

/** A loaded OpenBLAS. */
export interface OpenBlas extends BlasRoutines {
  /** The file that was opened. */
  path: string;
  /** The core whose kernels the library runs, e.g. `SkylakeX`. */
  core: string;
  /** Why that core: detected, forced by us, or set by the caller. */
  coreReason: string;
  /** The threads sgemm may use. */
  threads: number;
  /** Unloads the library; the object is unusable afterwards. */
  close(): void;
}

/**
 * The files to try, in order: `ADALRS_BLAS_LIB` alone when set, else Debian's pthread build
 * (the one whose thread count `openblas_set_num_threads` controls), then whatever the
 * `libopenblas.so.0` alternative points at.
 *
 * @param override A path that replaces the search, e.g. from `ADALRS_BLAS_LIB`.
 * @returns Absolute paths or sonames for `dlopen`.
 */
export function libraryCandidates(override?: string): string[] {
  if (override) return [override];
  const arch = Deno.build.arch === "aarch64" ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
  return [
    `/usr/lib/${arch}/openblas-pthread/libopenblas.so.0`,
    `/usr/lib/${arch}/libopenblas.so.0`,
    "libopenblas.so.0",
  ];
}

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>;

function openFirst(candidates: string[]): { lib: Lib; path: string } {
  const errors: string[] = [];
  for (const path of candidates) {
    try {
      return { lib: Deno.dlopen(path, SYMBOLS), path };
    } catch (error) {
      // Missing --allow-ffi fails the same way for every path: say so once.
      if (
        error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied
      ) {
        throw new Error("FFI is not permitted (run deno with --allow-ffi)");
      }
      errors.push(`${path}: ${firstLine(error)}`);
    }
  }
  throw new Error(`No OpenBLAS found (${errors.join("; ")}); apt-get install libopenblas0-pthread`);
}

function corename(lib: Lib): string {
  const p = lib.symbols.openblas_get_corename();
  return p === null ? "unknown" : new Deno.UnsafePointerView(p).getCString();
}

function routines(lib: Lib): BlasRoutines {
  const { cblas_somatcopy, cblas_sgemv } = lib.symbols;
  return {
    sgemm: makeSgemm(lib),
    transpose2d: (rows, cols, a, out) =>
      cblas_somatcopy(
        ROW_MAJOR,
        TRANS,
        rows,
        cols,
        1,
        a,
        Math.max(1, cols),
        out,
        Math.max(1, rows),
      ),
    copy2d: (rows, cols, a, lda, out, ldOut) =>
      cblas_somatcopy(ROW_MAJOR, NO_TRANS, rows, cols, 1, a, lda, out, ldOut),
    columnSums: (rows, cols, a, ones, out) =>
      cblas_sgemv(ROW_MAJOR, TRANS, rows, cols, 1, a, Math.max(1, cols), ones, 1, 0, out, 1),
  };
}

function makeSgemm(lib: Lib): Sgemm {
  const f = lib.symbols.cblas_sgemm;
  return (tA, tB, m, n, k, a, lda, b, ldb, beta, c, ldc, alpha = 1) =>
    f(
      ROW_MAJOR,
      tA ? TRANS : NO_TRANS,
      tB ? TRANS : NO_TRANS,
      m,
      n,
      k,
      alpha,
      a,
      lda,
      b,
      ldb,
      beta,
      c,
      ldc,
    );
}

/** Options of {@linkcode loadOpenBlas}. */
export interface LoadOptions {
  /** Library path; replaces the search. @default Deno.env ADALRS_BLAS_LIB */
  path?: string;
  /**
   * sgemm threads. With more than one, no other thread of the process may fork while an sgemm
   * runs: OpenBLAS's fork handler stops the thread pool the sgemm waits for (README,
   * "Development").
   * @default ADALRS_BLAS_THREADS, else the machine's logical cores
   */
  threads?: number;
}

/**
 * Opens OpenBLAS, upgrades its core type when the CPU allows a faster one (keeping the upgrade
 * only if {@linkcode sgemmSelfTest} passes), and sets its thread count.
 *
 * Never overrides an `OPENBLAS_CORETYPE` that is already set; when it sets one itself, it
 * restores the environment after loading so child processes are not affected.
 *
 * @param options Path and thread overrides.
 * @returns The library, self-tested.
 * @throws When no library loads, FFI is not permitted, or the self-test fails on every core.
 */
export function loadOpenBlas(options: LoadOptions = {}): OpenBlas {
  const candidates = libraryCandidates(options.path ?? envGet("ADALRS_BLAS_LIB"));
  const threads = options.threads ?? positiveInt(envGet("ADALRS_BLAS_THREADS")) ??
    navigator.hardwareConcurrency;
  const first = openFirst(candidates);
  const path = first.path;
  let lib = first.lib;
  const detected = corename(lib);
  const choice = chooseCoreType({
    envCoretype: envGet("OPENBLAS_CORETYPE"),
    flags: readCpuFlags(),
    detected,
  });
  let reason = choice.reason;
  if (choice.coretype !== null) {
    lib.close();
    const forced = openWithCore(path, choice.coretype);
    const failure = forced.failure ?? prepare(forced.lib, threads);
    if (failure === null) {
      return finish(forced.lib, path, `forced ${choice.coretype}: ${choice.reason}`);
    }
    // Back to the library's own choice, which is then self-tested like any other.
    forced.lib.close();
    lib = Deno.dlopen(path, SYMBOLS);
    reason = `kept ${detected}: forcing ${choice.coretype} failed (${failure})`;
  }
  const failure = prepare(lib, threads);
  if (failure !== null) {
    const core = corename(lib);
    lib.close();
    throw new Error(`OpenBLAS self-test failed on core ${core}: ${failure}`);
  }
  return finish(lib, path, reason);
}

/** Reopens the library with OPENBLAS_CORETYPE set, and says whether the core took. */
function openWithCore(path: string, coretype: string): { lib: Lib; failure: string | null } {
  // OpenBLAS reads OPENBLAS_CORETYPE in its load-time constructor, so it must be set before
  // dlopen; after dlclose the library really unloads and the next dlopen reruns that. The
  // variable is removed again so that child processes are not affected.
  try {
    Deno.env.set("OPENBLAS_CORETYPE", coretype);
  } catch {
    return { lib: Deno.dlopen(path, SYMBOLS), failure: "cannot set the environment" };
  }
  let lib: Lib;
  try {
    lib = Deno.dlopen(path, SYMBOLS);
  } finally {
    Deno.env.delete("OPENBLAS_CORETYPE");
  }
  const core = corename(lib);
  return { lib, failure: core.toUpperCase() === coretype ? null : `library reports ${core}` };
}

/** Sets the thread count and self-tests; returns the failure or `null`. */
function prepare(lib: Lib, threads: number): string | null {
  lib.symbols.openblas_set_num_threads(threads);
  const blas = routines(lib);
  return sgemmSelfTest(blas.sgemm) ?? layoutSelfTest(blas);
}

function finish(lib: Lib, path: string, coreReason: string): OpenBlas {
  return {
    path,
    core: corename(lib),
    coreReason,
    threads: lib.symbols.openblas_get_num_threads(),
    ...routines(lib),
    close: () => lib.close(),
  };
}

function readCpuFlags(): Set<string> | null {
  try {
    const flags = parseCpuFlags(Deno.readTextFileSync("/proc/cpuinfo"));
    return flags.size > 0 ? flags : null;
  } catch {
    return null; // not Linux, or no --allow-read: keep the library's own detection
  }
}

function envGet(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: behave as if unset
  }
}

function positiveInt(text: string | undefined): number | undefined {
  const n = Number(text);
  return text !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
