/**
 * Reading request bodies: size limit, JSON parsing that also takes Python's `NaN`/`Infinity`
 * tokens, and zod validation that reports every field error.
 *
 * @module
 */

import type { Context } from "hono";
import type { z } from "zod";
import { ApiError, validationError } from "./errors.ts";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads, parses and validates a JSON body.
 *
 * @param c the request context
 * @param schema what the body must be
 * @param what a name for the body in error messages, e.g. "run definition"
 * @param allowEmpty treat an empty body as `{}`
 */
export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  what: string,
  allowEmpty = false,
): Promise<z.output<S>> {
  const declared = Number(c.req.header("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge(declared);
  const bytes = await readLimited(c.req.raw.body);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError(400, `Invalid ${what}: the body is not UTF-8 text`);
  }
  if (text.trim() === "" && allowEmpty) text = "{}";
  const parsed = schema.safeParse(parseJson(text, what));
  if (!parsed.success) throw validationError(what, parsed.error);
  return parsed.data;
}

/**
 * Reads a body stream, giving up as soon as it passes the limit: a chunked body has no
 * content-length to check first, and must not be buffered whole before being refused.
 */
async function readLimited(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
  if (body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw tooLarge(null);
    }
    chunks.push(value);
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

/**
 * JSON.parse, but bare `NaN`, `Infinity` and `-Infinity` outside strings (as Python's `json.dumps`
 * writes them) become the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    // The closing quote is optional so that an unterminated string is consumed once: required,
    // every quote inside it would start a new scan to the end (quadratic in the body size).
    const quoted = text.replace(
      /("(?:[^"\\]|\\.)*"?)|(-?Infinity|NaN)/g,
      (match, str: string | undefined) => str ?? `"${match}"`,
    );
    try {
      return JSON.parse(quoted);
    } catch {
      throw new ApiError(400, `Invalid ${what}: malformed JSON (${(first as Error).message})`);
    }
  }
}
