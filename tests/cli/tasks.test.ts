import assert from "node:assert/strict";
import { ROOT, runScript } from "./_run.ts";

// Every `deno task` that runs a script of ours answers --help, and a wrong flag gets one line
// plus the usage, never a stack trace. The script is run directly (`deno task start` would run
// the setup first).
const SKIP = new Set([
  "test",
  "test:unit",
  "check",
  "bench",
  "setup:tensorflow",
  "setup:tensorflow-gpu",
]);
const tasks = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT))).tasks as Record<
  string,
  { command: string }
>;

/** The script (and subcommand) at the end of a task's command line. */
function scriptOf(command: string): string[] {
  const last = command.split("&&").at(-1)!.trim().split(/\s+/);
  return last.slice(last.findIndex((w) => w.endsWith(".ts")));
}

const names = Object.keys(tasks).filter((name) => !SKIP.has(name));

Deno.test("every task answers --help with its usage and exit code 0", async () => {
  assert.ok(names.length >= 14, `only ${names.length} tasks found`);
  const results = await Promise.all(
    names.map((name) => runScript([...scriptOf(tasks[name].command), "--help"])),
  );
  names.forEach((name, i) => {
    const { code, stdout, stderr } = results[i];
    assert.equal(code, 0, `${name} --help exited ${code}: ${stderr}`);
    assert.match(stdout, /^usage: /, `${name} --help printed:\n${stdout}`);
    assert.match(stdout, /--help/);
  });
});

Deno.test("an unknown flag gets one error line and the usage, exit code 2", async () => {
  for (const name of ["synthetic", "train", "replay", "start"]) {
    const { code, stdout, stderr } = await runScript([
      ...scriptOf(tasks[name].command),
      "x",
      "--bogus",
    ]);
    assert.equal(code, 2, `${name}: ${stderr}`);
    assert.equal(stdout, "");
    const lines = stderr.trim().split("\n");
    assert.equal(lines[0], "error: unknown flag --bogus", `${name}: ${stderr}`);
    assert.match(lines[1], /^usage: deno task /);
    assert.equal(lines.length, 2, `${name}: ${stderr}`);
  }
});

Deno.test("a numeric flag that is not a number is refused by name", async () => {
  const { code, stderr } = await runScript([
    "scripts/sweep.ts",
    "examples/synthetic-small-lr.json",
    "--grid",
    "abc",
  ]);
  assert.equal(code, 2);
  assert.match(stderr, /^error: --grid must be a whole number ≥ 3, not abc\n/);
});

Deno.test("experiment --plan with --sweep-from counts only the AdaLRS runs it will train", async () => {
  const out = await runScript([
    "scripts/experiment.ts",
    "--profile",
    "full",
    "--schedule",
    "cosine",
    "--sweep-from",
    "docs/results/full-cosine/results.json",
    "--starts",
    "fit/9,fit*9",
    "--plan",
  ]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /^0 \+ 2 runs of 3000 steps/m);
});

Deno.test("experiment --sweep-from places the starts on the file's grid and refuses another training", async () => {
  // Seed 2's 1,500-step sweep was centred on its fit, 9e-3, not on the profile's 3e-3.
  const plan = [
    "scripts/experiment.ts",
    "--profile",
    "full",
    "--schedule",
    "cosine",
    "--steps",
    "1500",
    "--window",
    "37",
    "--starts",
    "fit/9,fit/3",
    "--sweep-from",
    "docs/results/short-1500/cosine-seed2/results.json",
    "--plan",
  ];
  const same = await runScript([...plan, "--seed", "2"]);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /^full-cosine-seed2: AdaLRS from fit\/9 \(lr 0\.00100\)$/m);
  assert.match(same.stdout, /^full-cosine-seed2: AdaLRS from fit\/3 \(lr 0\.00300\)$/m);
  const otherSeed = await runScript([...plan, "--seed", "1"]);
  assert.equal(otherSeed.code, 2);
  assert.match(
    otherSeed.stderr,
    /the sweep was trained with training\.seed = 2, this experiment has 1/,
  );
  const withFit = await runScript([...plan, "--seed", "2", "--fit", "3e-3"]);
  assert.equal(withFit.code, 2);
  assert.match(withFit.stderr, /--sweep-from takes the grid and the fit from its file/);
});

Deno.test("experiment --plan with a given fit and a store says how many runs it already holds", async () => {
  const data = await Deno.makeTempDir({ prefix: "adalrs-plan-" });
  try {
    const plan = ["scripts/experiment.ts", "--profile", "full", "--fit", "3e-3", "--plan"];
    // No store yet: nothing to look in, and the plan creates none.
    const none = await runScript([...plan, "--data", data]);
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout, /^5 \+ 4 runs of 3000 steps .* a step$/m);
    assert.deepEqual([...Deno.readDirSync(data)], []);
    const store = await Deno.openKv(`${data}/adalrs.kv`);
    store.close();
    const empty = await runScript([...plan, "--data", data]);
    assert.equal(empty.code, 0, empty.stderr);
    assert.match(empty.stdout, /^5 \+ 4 runs .*; 0 of 9 already finished in /m);
  } finally {
    await Deno.remove(data, { recursive: true });
  }
});

Deno.test("experiment takes controller settings as key=value, and refuses a bad one by name", async () => {
  const plan = ["scripts/experiment.ts", "--profile", "full", "--fit", "3e-3", "--plan"];
  const out = await runScript([...plan, "compare=cooldown", "window=40"]);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, /"compare": "cooldown"/);
  assert.match(out.stdout, /"window": 40/);
  const bad = await runScript([...plan, "compare=sideways"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /compare=sideways/);
});

Deno.test("simulate compares the defaults with the settings given, from the starts given", async () => {
  const out = await runScript([
    "scripts/simulate.ts",
    "--seeds",
    "1",
    "--starts",
    "1/30,30",
    "beta=3",
  ]);
  assert.equal(out.code, 0, out.stderr);
  const rows = out.stdout.split("\n").filter((l) => l.startsWith("| cs336 sweep | defaults"));
  assert.deepEqual(
    rows.slice(0, 4).map((l) => l.split(" | ").slice(1, 3).join(" ")),
    ["defaults 1/30x", "defaults 30x", "defaults + beta=3 1/30x", "defaults + beta=3 30x"],
  );
  const bad = await runScript(["scripts/simulate.ts", "--starts", "3,-1"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--starts takes positive factors .* not "-1"/);
});
