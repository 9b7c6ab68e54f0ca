/**
 * Reading request bodies (their size and time limits are `body_limits.ts`): JSON parsing that
 * takes Python's `NaN`/`Infinity` tokens where a route allows them, and zod validation that
 * reports every field error.
 *
 * @module
 */

import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, validationError } from "./errors.ts";

/** Options of {@linkcode readBody}. */
export interface ReadBodyOptions {
  /** Treat an empty body as `{}`. @default false */
  allowEmpty?: boolean;
  /** The one top-level array field whose items may be bare `NaN`/`Infinity` tokens. */
  nonFiniteIn?: string;
}

/**
 * Reads, parses and validates a JSON body.
 *
 * @param c the request context; the app's `limitBodies()` bounds the body's size and time
 * @param schema what the body must be
 * @param what a name for the body in error messages, e.g. "run definition"
 * @param opts empty bodies, non-finite tokens
 */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  what: string,
  opts: ReadBodyOptions = {},
): Promise<z.output<S>> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await c.req.raw.arrayBuffer());
  } catch (err) {
    // limitBodies() makes a slow or abandoned body an ApiError; anything else is the client's.
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, `The request body could not be read: ${(err as Error).message}`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(400, `Invalid ${what}: the body is not UTF-8 text`);
  }
  if (text.trim() === "" && opts.allowEmpty) text = "{}";
  const parsed = schema.safeParse(parseJson(text, what, opts.nonFiniteIn));
  if (!parsed.success) throw validationError(what, parsed.error);
  return parsed.data;
}

/** Marks a quoted non-finite token until it is known to sit where one is allowed. */
const MARK = "\u0000";

/**
 * JSON.parse; with `nonFiniteIn`, bare `NaN`, `Infinity` and `-Infinity` outside strings (as
 * Python's `json.dumps` writes them) become the strings `"NaN"`, `"Infinity"`, `"-Infinity"` in
 * that top-level array, and are refused anywhere else.
 *
 * @param text the body
 * @param what a name for the body in error messages
 * @param nonFiniteIn the top-level array field where non-finite tokens are allowed
 */
export function parseJson(text: string, what: string, nonFiniteIn?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    const malformed = new ApiError(
      400,
      `Invalid ${what}: malformed JSON (${(first as Error).message})`,
    );
    if (nonFiniteIn === undefined) throw malformed;
    // The closing quote is optional so that an unterminated string is consumed once: required,
    // every quote inside it would start a new scan to the end (quadratic in the body size).
    const quoted = text.replace(
      /("(?:[^"\\]|\\.)*"?)|(-?Infinity|NaN)/g,
      // The mark as a JSON escape: a raw control character is not allowed in a JSON string.
      (match, str: string | undefined) => str ?? `"\\u0000${match}"`,
    );
    let parsed: unknown;
    try {
      parsed = JSON.parse(quoted);
    } catch {
      throw malformed;
    }
    return unmark(parsed, nonFiniteIn, what);
  }
}

/** Unmarks the tokens in `body[field]`; a marked token anywhere else is a 400 naming where. */
function unmark(body: unknown, field: string, what: string): unknown {
  if (isObject(body) && Array.isArray(body[field])) {
    body[field] = body[field].map((x) => isMarked(x) ? x.slice(1) : x);
  }
  // Iterative: a body can nest deeper than the call stack.
  const stack: [unknown, string][] = [[body, ""]];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (isMarked(value)) {
      throw new ApiError(
        400,
        `Invalid ${what}: ${value.slice(1)} is only accepted in ${field}, not at ${
          path || "(body)"
        }`,
      );
    }
    if (isObject(value) || Array.isArray(value)) {
      for (const [key, item] of Object.entries(value)) {
        stack.push([item, path ? `${path}.${key}` : key]);
      }
    }
  }
  return body;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isMarked(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(MARK);
}
