import assert from "node:assert/strict";
import { z } from "zod";
import { helpText, parseFlags, parseSettings, UsageError } from "../../src/cli/mod.ts";

const SPEC = {
  usage: "deno task sweep <run.json> [--grid 7]",
  about: "A sweep.",
  positionals: { min: 1, max: 1, names: "a run definition file" },
  flags: {
    grid: { kind: "number", integer: true, min: 3, default: 7, help: "LRs in the grid" },
    center: { kind: "number", above: 0, help: "the grid's centre" },
    schedule: { kind: "string", choices: ["cosine", "wsd"], help: "schedule" },
    json: { kind: "boolean", help: "as JSON" },
  },
} as const;

function usageError(args: string[]): UsageError {
  try {
    parseFlags(SPEC, args);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`parseFlags accepted ${args.join(" ")}`);
}

Deno.test("parseFlags() returns typed values, defaults and positionals", () => {
  const { values, positionals } = parseFlags(SPEC, ["run.json", "--center", "3e-4", "--json"]);
  assert.deepEqual(positionals, ["run.json"]);
  assert.equal(values.grid, 7);
  assert.equal(values.center, 3e-4);
  assert.equal(values.schedule, undefined);
  assert.equal(values.json, true);
});

Deno.test("parseFlags() answers --help with usage and every flag, exit code 0", () => {
  const err = usageError(["--help"]);
  assert.equal(err.exitCode, 0);
  assert.match(err.message, /^usage: deno task sweep <run\.json>/);
  for (const flag of ["--grid N", "--center N", "--schedule VALUE", "--json", "--help"]) {
    assert.ok(err.message.includes(flag), `${flag} missing from:\n${err.message}`);
  }
  assert.match(err.message, /LRs in the grid \[default: 7\]/);
  assert.match(err.message, /\(cosine\|wsd\)/);
  assert.equal(usageError(["run.json", "-h"]).exitCode, 0);
});

Deno.test("parseFlags() names an unknown flag in one line", () => {
  const err = usageError(["run.json", "--grdi", "5"]);
  assert.equal(err.exitCode, 2);
  assert.equal(err.message, "unknown flag --grdi");
});

Deno.test("parseFlags() refuses numbers that are not numbers, not whole, or out of range", () => {
  assert.equal(
    usageError(["r", "--grid", "abc"]).message,
    "--grid must be a whole number ≥ 3, not abc",
  );
  assert.equal(
    usageError(["r", "--grid", "4.5"]).message,
    "--grid must be a whole number ≥ 3, not 4.5",
  );
  assert.equal(
    usageError(["r", "--grid", "2"]).message,
    "--grid must be a whole number ≥ 3, not 2",
  );
  assert.equal(usageError(["r", "--center", "0"]).message, "--center must be a number > 0, not 0");
  assert.equal(usageError(["r", "--center", ""]).message, "--center must be a number > 0, not ");
  assert.equal(usageError(["r", "--center"]).message, "--center needs a value");
});

Deno.test("parseFlags() checks choices and the number of positionals", () => {
  assert.equal(
    usageError(["r", "--schedule", "linear"]).message,
    "--schedule must be one of cosine, wsd, not linear",
  );
  assert.equal(usageError([]).message, "missing argument: expected a run definition file");
  assert.equal(usageError(["a", "b"]).message, "unexpected argument: b");
  assert.equal(usageError(["r", "--json=yes"]).message, "--json takes no value");
});

Deno.test("helpText() lists a command without flags", () => {
  const text = helpText({ usage: "x", about: "Does x.", flags: {} });
  assert.equal(text, "usage: x\n\nDoes x.\n  --help  this text");
});

const SETTINGS_SCHEMA = z.strictObject({
  window: z.number().int().min(2).optional(),
  z: z.number().positive().optional(),
  reference: z.enum(["trigger", "pair"]).optional(),
  upscale: z.boolean().optional(),
});

const KEYS = Object.keys(SETTINGS_SCHEMA.shape);

function settingsError(pairs: string[]): UsageError {
  try {
    parseSettings(pairs, SETTINGS_SCHEMA, KEYS);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`parseSettings accepted ${pairs.join(" ")}`);
}

Deno.test("parseSettings() reads key=value pairs as numbers, booleans and text", () => {
  assert.deepEqual(
    parseSettings(["window=40", "z=1.5", "reference=pair", "upscale=false"], SETTINGS_SCHEMA, KEYS),
    { window: 40, z: 1.5, reference: "pair", upscale: false },
  );
  assert.deepEqual(parseSettings([], SETTINGS_SCHEMA, KEYS), {});
});

Deno.test("parseSettings() names the key and the value it refuses", () => {
  assert.match(settingsError(["window=abc"]).message, /^bad setting window=abc: /);
  assert.match(settingsError(["window=2.5"]).message, /^bad setting window=2\.5: .*expected int/);
  assert.match(settingsError(["z=-1"]).message, /^bad setting z=-1: /);
  assert.match(settingsError(["z=NaN"]).message, /^bad setting z=NaN: /);
  assert.match(settingsError(["reference=mean"]).message, /^bad setting reference=mean: /);
  assert.equal(settingsError(["window="]).exitCode, 2);
});

Deno.test("parseSettings() refuses an unknown key or a pair without '=', listing the keys", () => {
  assert.match(
    settingsError(["windw=40"]).message,
    /^expected key=value with key one of window, z, reference, upscale, not windw=40$/,
  );
  assert.match(settingsError(["window"]).message, /not window$/);
});
