import assert from "node:assert/strict";
import { parseCpuFlags, tierOfCore, tierOfFlags } from "../../src/train/blas/coretype.ts";
import { loadOpenBlas, type Sgemm } from "../../src/train/blas/openblas.ts";
import { sgemmSelfTest } from "../../src/train/blas/selftest.ts";

/** Loads OpenBLAS in a child process with this environment and returns what it chose. */
async function loadInChild(env: Record<string, string>, remove: string[] = []) {
  const script = new URL("./_load_core.ts", import.meta.url).pathname;
  const childEnv = { ...Deno.env.toObject(), ...env };
  for (const name of remove) delete childEnv[name];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    env: childEnv,
    clearEnv: true,
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.trim().split("\n").at(-1)!) as {
    core: string;
    coreReason: string;
    threads: number;
    leaked: string | null;
  };
}

Deno.test("loadOpenBlas() ends on a core at least as fast as the CPU flags allow", async () => {
  const blas = await loadInChild({ ADALRS_BLAS_THREADS: "1" }, ["OPENBLAS_CORETYPE"]);
  assert.equal(blas.threads, 1);
  assert.equal(blas.leaked, null, "the chosen core type leaked into the environment");
  if (Deno.build.arch === "x86_64") {
    const flags = parseCpuFlags(Deno.readTextFileSync("/proc/cpuinfo"));
    assert(tierOfCore(blas.core) >= tierOfFlags(flags), `${blas.core}: ${blas.coreReason}`);
  }
});

Deno.test("loadOpenBlas() respects an OPENBLAS_CORETYPE set by the caller", async () => {
  const blas = await loadInChild({ OPENBLAS_CORETYPE: "PRESCOTT", ADALRS_BLAS_THREADS: "2" });
  assert.equal(blas.core, "Prescott");
  assert.match(blas.coreReason, /set by the caller/);
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
