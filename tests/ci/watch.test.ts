import assert from "node:assert/strict";

// .ci/watch guards CI against a test run that hangs: it must kill the command's whole process
// group (a grandchild too) once the output stops, and otherwise pass output and status through.
const WATCH = new URL("../../.ci/watch", import.meta.url).pathname;

async function watch(idle: number, script: string) {
  const log = await Deno.makeTempFile({ prefix: "adalrs-watch-" });
  try {
    const out = await new Deno.Command("bash", {
      args: [WATCH, String(idle), log, "bash", "-c", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      log: await Deno.readTextFile(log),
    };
  } finally {
    await Deno.remove(log);
  }
}

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT"); // a harmless signal: it only asks whether the process exists
    return true;
  } catch {
    return false;
  }
}

Deno.test(".ci/watch kills a silent command's whole process group and exits 124", async () => {
  const { code, stdout, log } = await watch(2, "(sleep 30) & echo child $!; sleep 30");
  assert.equal(code, 124);
  const child = Number(log.match(/child (\d+)/)?.[1]);
  assert(child > 0, `the command's output reached the log: ${log}`);
  assert.match(stdout, /child \d+/, "and was passed through");
  assert.match(stdout, /watch: no output for 2 s; killed process group/);
  assert(!alive(child), "the backgrounded grandchild was killed with its group");
});

Deno.test(".ci/watch lets a command that keeps printing finish, with its own status", async () => {
  const { code, log } = await watch(2, "for i in 1 2 3; do echo line $i; sleep 1; done; exit 7");
  assert.equal(code, 7);
  assert.equal(log, "line 1\nline 2\nline 3\n");
});
