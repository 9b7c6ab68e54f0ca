/**
 * Reading request bodies: size limit, read timeout, JSON parsing that takes Python's
 * `NaN`/`Infinity` tokens where a route allows them, and zod validation that reports every
 * field error.
 *
 * @module
 */

import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, validationError } from "./errors.ts";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

/** How long a body may take to arrive, unless the app says otherwise (`bodyTimeoutMs`). */
export const BODY_TIMEOUT_MS = 30_000;

declare module "hono" {
  interface ContextVariableMap {
    /** Set by the app from its `bodyTimeoutMs` option. */
    bodyTimeoutMs: number;
  }
}

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
 * @param c the request context; `c.get("bodyTimeoutMs")` bounds the wait for the body
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
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(declared);
  const timeoutMs = c.get("bodyTimeoutMs") ?? BODY_TIMEOUT_MS;
  const bytes = await readLimited(c.req.raw.body, timeoutMs);
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

/**
 * Reads a body stream, giving up as soon as it passes the limit (a chunked body has no
 * content-length to check first, and must not be buffered whole before being refused), when it
 * takes longer than `timeoutMs` (a slow client must not hold a request open for ever), or when
 * the client goes away (that is the client's doing, not an error of ours to log).
 */
async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  timeoutMs: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ApiError(408, `The request body took over ${timeoutMs} ms to arrive`)),
      timeoutMs,
    );
  });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await Promise.race([reader.read(), late]);
      } catch (err) {
        if (err instanceof ApiError) throw err;
        throw new ApiError(400, `The request body could not be read: ${(err as Error).message}`);
      }
      if (chunk.done) break;
      total += chunk.value.length;
      if (total > MAX_BODY_BYTES) throw tooLarge(null);
      chunks.push(chunk.value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return bytes;
}

/** A 413; `bytes` is the declared size, null when a streamed body was cut off past the limit. */
function tooLarge(bytes: number | null): ApiError {
  const what = bytes === null ? "Request body" : `Request body of ${bytes} bytes`;
  return new ApiError(413, `${what} is over the ${MAX_BODY_BYTES}-byte limit`);
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
