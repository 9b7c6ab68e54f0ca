import assert from "node:assert/strict";

/**
 * Runs the set-up for `purpose` as a user without root (or with ADALRS_NO_APT=1) on a machine
 * without OpenBLAS: installing with apt-get cannot be exercised here without changing the machine.
 */
async function setUpWithoutBlas(purpose: string): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/setup.ts", purpose],
    cwd: new URL("../../", import.meta.url),
    env: { ADALRS_NO_APT: "1", ADALRS_BLAS_LIB: "/nonexistent/libopenblas.so.0", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

// The set-up the README's commands run first.
Deno.test("setup.ts names the missing package, what it costs and the exact command", async () => {
  const { code, stderr } = await setUpWithoutBlas("start");
  assert.equal(code, 0, "the service still starts, only slower");
  assert.match(
    stderr,
    /MISSING: libopenblas0-pthread \(not installed automatically: ADALRS_NO_APT=1\)/,
  );
  assert.match(stderr, /training runs about 7x slower/);
  assert.match(stderr, /install with: (sudo )?apt-get install -y libopenblas0-pthread/);
  assert.match(stderr, /^!{10,}$/m, "boxed, so it is not lost among other lines");
});

Deno.test("setup.ts packages fetches the npm packages and asks for no Debian package", async () => {
  const { code, stderr } = await setUpWithoutBlas("packages");
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /MISSING/, "a what-if or a simulation needs no OpenBLAS");
});

// A fresh clone has no node_modules: a task that ran its script straight away would fail on the
// first npm import with Deno's own error, so every task fetches the packages first.
Deno.test("every task that runs Deno code sets up the npm packages first", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../../deno.json", import.meta.url)),
  ) as { tasks: Record<string, { command: string }> };
  for (const [name, { command }] of Object.entries(config.tasks)) {
    // `deno add` installs packages itself; a task made of other tasks inherits their set-up.
    if (/^deno (add|task) /.test(command)) continue;
    assert.match(command, /^deno run -A scripts\/setup\.ts (start|test|packages) && /, name);
  }
});

Deno.test("setup.ts refuses an unknown purpose with its usage", async () => {
  const { code, stderr } = await setUpWithoutBlas("deploy");
  assert.equal(code, 2);
  assert.match(stderr, /expected start, test or packages, not deploy/);
});

// On a fresh clone node_modules does not exist yet: set-up itself is what installs the packages.
Deno.test("setup.ts imports no npm package, so it runs before `deno install`", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "scripts/setup.ts"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const graph = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: { specifier: string; dependencies?: { code?: { specifier: string } }[] }[];
  };
  // What runs: the imports with code, from the root (type-only imports are erased).
  const bySpecifier = new Map(graph.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const queue = [...graph.roots];
  while (queue.length > 0) {
    const specifier = queue.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of bySpecifier.get(specifier)?.dependencies ?? []) {
      if (dep.code) queue.push(dep.code.specifier);
    }
  }
  // With a node_modules folder, npm packages resolve into it; without one they stay npm: specifiers.
  const npm = [...seen].filter((s) => s.startsWith("npm:") || s.includes("/node_modules/"));
  assert.deepStrictEqual(npm, [], "set-up would fail on a fresh clone");
  assert.ok(seen.size > 3, "the graph was read");
});
