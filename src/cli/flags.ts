/**
 * Command-line flags for every entry point: `--help` prints usage, an unknown flag or a bad
 * value is one line naming it (plus the usage), and numbers are checked for range and
 * wholeness instead of silently becoming NaN.
 *
 * Built on `node:util` parseArgs (Deno's std is not reachable here); this adds the types,
 * the checks and the messages.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { z } from "zod";
import { BACKEND_NAMES } from "../train/backend_name.ts";

/** A flag taking a number: `--grid 7`. */
export interface NumberFlag {
  kind: "number";
  /** One line for `--help`. */
  help: string;
  default?: number;
  /** Only whole numbers. @default false */
  integer?: boolean;
  /** Smallest value allowed (inclusive). */
  min?: number;
  /** Values must be above this one (exclusive), e.g. 0 for an LR. */
  above?: number;
  /** Largest value allowed (inclusive). */
  max?: number;
}

/** A flag taking text: `--url http://…`; `choices` restricts it to a set. */
export interface StringFlag {
  kind: "string";
  /** One line for `--help`. */
  help: string;
  default?: string;
  choices?: readonly string[];
}

/** A switch: `--json`. Always defaults to false. */
export interface BooleanFlag {
  kind: "boolean";
  /** One line for `--help`. */
  help: string;
}

/** Any flag. */
export type Flag = NumberFlag | StringFlag | BooleanFlag;

/** A command's usage, flags and positional arguments. */
export interface CommandSpec<F extends Record<string, Flag> = Record<string, Flag>> {
  /** The usage line, e.g. `deno task sweep <run.json> [--grid 7]`. */
  usage: string;
  /** A sentence or two on what the command does. */
  about: string;
  flags: F;
  /** How many positional arguments are allowed (default none) and what they are called. */
  positionals?: { min: number; max: number; names: string };
  /** Extra lines after the flag list (examples, environment variables). */
  notes?: string[];
}

type ValueOf<T extends Flag> = T extends NumberFlag ? number
  : T extends BooleanFlag ? boolean
  : string;

/** Parsed flags: those with a default (and every switch) are always set. */
export type FlagValues<F extends Record<string, Flag>> = {
  [K in keyof F]: F[K] extends BooleanFlag ? boolean
    : F[K] extends { default: unknown } ? ValueOf<F[K]>
    : ValueOf<F[K]> | undefined;
};

/** A command line that cannot run: `exitCode` 0 for `--help`, 2 for a mistake. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode: 0 | 2) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Parses `args` against `spec`, throwing {@linkcode UsageError} on `--help` or a mistake.
 *
 * @param spec the command's flags and positionals
 * @param args the arguments, e.g. `Deno.args`
 * @returns typed flag values and the positional arguments
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 *
 * const spec = {
 *   usage: "x [--n 3]",
 *   about: "demo",
 *   flags: { n: { kind: "number", integer: true, help: "n", default: 3 } },
 * } as const;
 * const { values } = parseFlags(spec, ["--n", "5"]);
 * if (values.n !== 5) throw new Error(`expected 5, got ${values.n}`);
 * ```
 */
export function parseFlags<const F extends Record<string, Flag>>(
  spec: CommandSpec<F>,
  args: string[],
): { values: FlagValues<F>; positionals: string[] } {
  if (args.includes("--help") || args.includes("-h")) throw new UsageError(helpText(spec), 0);
  const options: Record<string, { type: "string" | "boolean" }> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = { type: flag.kind === "boolean" ? "boolean" : "string" };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(describeParseError(err as Error), 2);
  }
  const values: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(spec.flags)) {
    const raw = parsed.values[name];
    if (flag.kind === "boolean") values[name] = raw === true;
    else if (raw === undefined) values[name] = flag.default;
    else if (flag.kind === "number") values[name] = checkNumber(name, flag, String(raw));
    else values[name] = checkChoice(name, flag, String(raw));
  }
  const { min, max, names } = spec.positionals ?? { min: 0, max: 0, names: "" };
  const n = parsed.positionals.length;
  if (n < min) throw new UsageError(`missing argument: expected ${names}`, 2);
  if (n > max) {
    const extra = parsed.positionals.slice(max).join(" ");
    throw new UsageError(`unexpected argument${n - max > 1 ? "s" : ""}: ${extra}`, 2);
  }
  return { values: values as FlagValues<F>, positionals: parsed.positionals };
}

/**
 * {@linkcode parseFlags} for a script's `main`: prints the help and exits 0, or prints the
 * one-line error with the usage and exits 2.
 *
 * @param spec the command's flags and positionals
 * @param args the arguments, usually `Deno.args`
 * @returns typed flag values and the positional arguments
 */
export function parseCommandLine<const F extends Record<string, Flag>>(
  spec: CommandSpec<F>,
  args: string[] = Deno.args,
): { values: FlagValues<F>; positionals: string[] } {
  try {
    return parseFlags(spec, args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.exitCode === 0) console.log(err.message);
    else console.error(`error: ${err.message}\nusage: ${spec.usage} (--help for more)`);
    Deno.exit(err.exitCode);
  }
}

/**
 * The text `--help` prints: usage, what the command does, one line per flag with its default.
 *
 * @param spec the command
 * @returns several lines
 */
export function helpText(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const arg = flag.kind === "boolean" ? "" : flag.kind === "number" ? " N" : " VALUE";
    const choices = flag.kind === "string" && flag.choices ? ` (${flag.choices.join("|")})` : "";
    const def = flag.kind !== "boolean" && flag.default !== undefined
      ? ` [default: ${flag.default}]`
      : "";
    return [`  --${name}${arg}`, `${flag.help}${choices}${def}`];
  });
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return [
    `usage: ${spec.usage}`,
    "",
    spec.about,
    ...(rows.length > 0 ? ["", "flags:"] : []),
    ...rows.map(([left, right]) => `${left.padEnd(width)}  ${right}`),
    `  ${"--help".padEnd(width - 2)}  this text`,
    ...(spec.notes && spec.notes.length > 0 ? ["", ...spec.notes] : []),
  ].join("\n");
}

/**
 * Parses `key=value` arguments (`window=40 reference=pair`) into settings that `schema`
 * validates: `true`/`false` become booleans and numbers numbers; anything else stays text. A
 * pair without `=`, a key the schema does not have, or a value it refuses is a
 * {@linkcode UsageError} naming the key and the value seen.
 *
 * @param pairs the arguments, e.g. the positionals after a run id
 * @param schema the settings allowed, as one object
 * @param keys the keys allowed, listed in the error for an unknown one
 * @returns the validated settings
 * @example
 * ```ts
 * import { z } from "zod";
 * import { parseSettings } from "./flags.ts";
 *
 * const schema = z.strictObject({ window: z.number().int().min(2).optional() });
 * const settings = parseSettings(["window=40"], schema, ["window"]);
 * if (settings.window !== 40) throw new Error(`expected 40, got ${settings.window}`);
 * ```
 */
export function parseSettings<T>(
  pairs: readonly string[],
  schema: z.ZodType<T>,
  keys: readonly string[],
): T {
  const raw: Record<string, unknown> = {};
  const seen: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = at < 0 ? pair : pair.slice(0, at);
    if (at < 0 || !keys.includes(key)) {
      throw new UsageError(`expected key=value with key one of ${keys.join(", ")}, not ${pair}`, 2);
    }
    const value = pair.slice(at + 1);
    seen[key] = value;
    raw[key] = value === "true"
      ? true
      : value === "false"
      ? false
      : value.trim() !== "" && Number.isFinite(Number(value))
      ? Number(value)
      : value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      const key = i.path.map(String).join(".");
      const value = seen[String(i.path[0])];
      return `${key}=${value ?? ""}: ${i.message}`;
    });
    throw new UsageError(`bad setting ${issues.join("; ")}`, 2);
  }
  return parsed.data;
}

function checkNumber(name: string, flag: NumberFlag, raw: string): number {
  const n = raw.trim() === "" ? NaN : Number(raw);
  const kind = flag.integer ? "a whole number" : "a number";
  const bounds = [
    flag.min !== undefined ? `≥ ${flag.min}` : "",
    flag.above !== undefined ? `> ${flag.above}` : "",
    flag.max !== undefined ? `≤ ${flag.max}` : "",
  ].filter(Boolean).join(" and ");
  const ok = Number.isFinite(n) && (!flag.integer || Number.isInteger(n)) &&
    (flag.min === undefined || n >= flag.min) && (flag.above === undefined || n > flag.above) &&
    (flag.max === undefined || n <= flag.max);
  if (!ok) {
    throw new UsageError(`--${name} must be ${kind}${bounds ? ` ${bounds}` : ""}, not ${raw}`, 2);
  }
  return n;
}

function checkChoice(name: string, flag: StringFlag, raw: string): string {
  if (flag.choices && !flag.choices.includes(raw)) {
    throw new UsageError(`--${name} must be one of ${flag.choices.join(", ")}, not ${raw}`, 2);
  }
  return raw;
}

/** node:util's messages, shortened to name the flag the user typed. */
function describeParseError(err: Error): string {
  const code = (err as { code?: string }).code;
  const option = /'([^']+)'/.exec(err.message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `unknown flag ${option}`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    return `${option.split(" ")[0]} ${
      err.message.includes("argument missing") ? "needs a value" : "takes no value"
    }`;
  }
  return err.message.split("\n")[0];
}

/**
 * The `--backend` flag every training command shares: one of the backend names, defaulting to
 * `ADALRS_BACKEND` or wasm.
 *
 * @param help the flag's line in `--help`
 */
export function backendFlag(help = "tfjs backend"): StringFlag & { default: string } {
  return {
    kind: "string",
    choices: BACKEND_NAMES,
    default: Deno.env.get("ADALRS_BACKEND") ?? "wasm",
    help,
  };
}
