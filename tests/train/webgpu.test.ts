/**
 * The webgpu backend's tests (`_webgpu_cases.ts`), run by a `deno test` process of their own:
 * Mesa's software Vulkan driver, once loaded, can abort a process at exit ("double free or
 * corruption" in its `libxcb-dri2` destructors while other threads exit). In the test runner that
 * aborted whole suites after every test had passed; here it costs the child alone, whose own
 * summary still says whether each case passed.
 */
import assert from "node:assert/strict";

const CASES = new URL("./_webgpu_cases.ts", import.meta.url).pathname;

Deno.test("the webgpu backend's cases pass in a process of their own", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", CASES],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const summary = text.match(/^(ok|FAILED) \| (\d+) passed \| (\d+) failed/m);
  assert.ok(summary, `no test summary (exit ${out.code}, signal ${out.signal}):\n${text}`);
  assert.deepEqual([summary[1], summary[3]], ["ok", "0"], text);
  const cases = (await Deno.readTextFile(CASES)).match(/^Deno\.test\(/gm)?.length;
  assert.equal(Number(summary[2]), cases, "every case ran");
  // Passed, then killed at exit by the driver's teardown: the cases' verdict stands.
  assert.ok(out.success || out.signal === "SIGABRT" || out.code === 134, text);
});
