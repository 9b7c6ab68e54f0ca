import assert from "node:assert/strict";
import { parseCpuFlags, tierOfCore, tierOfFlags } from "../../src/train/blas/coretype.ts";
import { loadOpenBlas, type Sgemm } from "../../src/train/blas/openblas.ts";
import { sgemmSelfTest } from "../../src/train/blas/selftest.ts";

/** Runs `f` with environment variables set (or removed, for `undefined`), then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, f: () => T): T {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, Deno.env.get(k)]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    }
  };
  apply(vars);
  try {
    return f();
  } finally {
    apply(old);
  }
}

Deno.test("loadOpenBlas() ends on a core at least as fast as the CPU flags allow", () => {
  const blas = withEnv(
    { OPENBLAS_CORETYPE: undefined, ADALRS_BLAS_THREADS: "1" },
    () => loadOpenBlas(),
  );
  try {
    assert.deepEqual(blas.threads, 1);
    assert(
      Deno.env.get("OPENBLAS_CORETYPE") !== "SKYLAKEX",
      "the forced core type leaked into env",
    );
    if (Deno.build.arch === "x86_64") {
      const flags = parseCpuFlags(Deno.readTextFileSync("/proc/cpuinfo"));
      assert(tierOfCore(blas.core) >= tierOfFlags(flags), `${blas.core}: ${blas.coreReason}`);
    }
  } finally {
    blas.close();
  }
});

Deno.test("loadOpenBlas() respects an OPENBLAS_CORETYPE set by the caller", () => {
  const blas = withEnv({ OPENBLAS_CORETYPE: "PRESCOTT" }, () => loadOpenBlas({ threads: 2 }));
  try {
    assert.deepEqual(blas.core, "Prescott");
    assert.match(blas.coreReason, /set by the caller/);
  } finally {
    blas.close();
  }
});

Deno.test("loadOpenBlas() names the paths it tried when none loads", () => {
  assert.throws(
    () => loadOpenBlas({ path: "/nonexistent/libblas.so" }),
    /nonexistent.*libopenblas0-pthread/,
  );
});

Deno.test("sgemmSelfTest() catches a wrong sgemm and passes a right one", () => {
  const zeros: Sgemm = (_tA, _tB, _m, _n, _k, _a, _lda, _b, _ldb, _beta, c) => c.fill(0);
  assert.match(sgemmSelfTest(zeros) ?? "", /m=7 n=5 k=3/);
  const naive: Sgemm = (tA, tB, m, n, k, a, lda, b, ldb, _beta, c, ldc) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          s += a[tA ? p * lda + i : i * lda + p] * b[tB ? j * ldb + p : p * ldb + j];
        }
        c[i * ldc + j] = s;
      }
    }
  };
  assert.deepEqual(sgemmSelfTest(naive), null);
});
