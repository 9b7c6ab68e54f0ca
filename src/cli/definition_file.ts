/**
 * Reading a run definition file on the command line: a missing file, bad JSON or an invalid
 * field ends the command with a message naming it, never a stack trace.
 *
 * @module
 */

import { type RunDefinition, RunDefinitionSchema } from "../events/mod.ts";

/**
 * Reads and validates a run definition file, or prints why it cannot be used and exits 2.
 *
 * @param path the JSON file, e.g. `examples/moby-small-lr.json`
 * @returns the definition with every default filled in
 */
export async function readDefinitionFile(path: string): Promise<RunDefinition> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    return fail(`cannot read ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`${path} is not JSON: ${(err as Error).message}`);
  }
  const parsed = RunDefinitionSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
  return fail(`${path} is not a valid run definition:\n${issues.join("\n")}`);
}

function fail(message: string): never {
  console.error(`error: ${message}`);
  Deno.exit(2);
}
