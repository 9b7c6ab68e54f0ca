import assert from "node:assert/strict";

// OpenBLAS registers a fork handler that shuts its thread pool down, in the parent, whenever any
// thread of the process forks. `deno test --parallel` runs the kernel tests in the same process as
// the tests that launch Chromium (a fork), so a multi-threaded sgemm in one test could wait forever
// for a pool thread that another test's fork had just stopped: CI hung on it, and gdb showed
// cblas_sgemm spinning in exec_blas with no OpenBLAS thread left. Single-threaded, sgemm never
// hands work to the pool. Worker processes never fork, so training keeps its threads.
Deno.test("the test tasks run OpenBLAS single-threaded, so a fork in another test cannot strand an sgemm", () => {
  const { tasks } = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));
  for (const name of ["test", "test:unit"]) {
    assert.match(tasks[name].command, /ADALRS_BLAS_THREADS=1 deno test /, name);
  }
});
