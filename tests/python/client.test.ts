/**
 * The Python client's tests (clients/python/tests, unittest), one Deno test each, so that CI's
 * count includes them. The whole Python suite runs once, against a service it starts itself;
 * each Deno test then reports its own Python test's outcome.
 *
 * The interpreter is `ADALRS_PYTHON`, else Debian's `/usr/bin/python3` (where `python3-torch`
 * installs torch), else `python3` on the PATH.
 */

import assert from "node:assert/strict";
import { existsSync } from "node:fs";

const PACKAGE = new URL("../../clients/python/", import.meta.url).pathname;
const PYTHON = Deno.env.get("ADALRS_PYTHON") ??
  (existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3");

function python(args: string[]): Deno.Command {
  return new Deno.Command(PYTHON, {
    args,
    cwd: PACKAGE,
    env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
    stdout: "piped",
    stderr: "piped",
  });
}

// Listing is cheap (no service, no torch import until a test runs), so it happens at load time.
const listed = python(["tests/run.py", "--list"]).outputSync();
const ids = new TextDecoder().decode(listed.stdout).split("\n").filter((l) => l.trim() !== "");

let results: Promise<Record<string, { ok: boolean; detail: string }>> | null = null;

/** Runs the whole Python suite once; every test below awaits the same outcome. */
function runSuite() {
  results ??= (async () => {
    const out = await Deno.makeTempFile({ suffix: ".json" });
    try {
      const run = await python(["tests/run.py", "--json", out]).output();
      const log = new TextDecoder().decode(run.stderr);
      const text = await Deno.readTextFile(out).catch(() => "{}");
      const parsed = JSON.parse(text || "{}");
      if (Object.keys(parsed).length === 0) {
        throw new Error(`the Python suite did not run:\n${log}`);
      }
      return parsed;
    } finally {
      await Deno.remove(out);
    }
  })();
  return results;
}

Deno.test("the Python client's tests are found", () => {
  assert.equal(listed.code, 0, new TextDecoder().decode(listed.stderr));
  assert.ok(ids.length >= 15, `only ${ids.length} Python tests found`);
});

for (const id of ids) {
  Deno.test(`python: ${id.replace(/^tests\./, "")}`, async () => {
    const outcome = (await runSuite())[id];
    assert.ok(outcome, `${id} did not run`);
    assert.ok(outcome.ok, outcome.detail);
  });
}
