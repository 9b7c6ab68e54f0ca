/**
 * Limits on request bodies, as one middleware: a size limit (Hono's own `bodyLimit`) and a
 * deadline for the body to arrive. Both answer before any route reads a byte past them.
 *
 * @module
 */

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors.ts";

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 256 * 1024;

/** How long a body may take to arrive, unless the app says otherwise. */
export const BODY_TIMEOUT_MS = 30_000;

/** Options of {@linkcode limitBodies}. */
export interface BodyLimitsOptions {
  /** Largest body accepted, in bytes. @default MAX_BODY_BYTES */
  maxBytes?: number;
  /** How long the whole body may take to arrive, in milliseconds. @default BODY_TIMEOUT_MS */
  timeoutMs?: number;
}

/**
 * The middleware: a body over `maxBytes` is a 413 naming the limit (by its declared length,
 * or as soon as a streamed one passes it, never buffered whole), one slower than `timeoutMs`
 * a 408, and one the client abandons a 400 (the client's doing, nothing to log).
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { limitBodies } from "./body_limits.ts";
 * import { handleError } from "./errors.ts";
 *
 * const app = new Hono().onError(handleError).use(limitBodies({ maxBytes: 4 }));
 * app.post("/", async (c) => c.text(await c.req.text()));
 * const res = await app.request("/", { method: "POST", body: "12345" });
 * const { error } = await res.json();
 * if (res.status !== 413 || !error.message.includes("4-byte limit")) throw new Error(error.message);
 * ```
 */
export function limitBodies(opts: BodyLimitsOptions = {}): MiddlewareHandler {
  const maxBytes = opts.maxBytes ?? MAX_BODY_BYTES;
  const timeoutMs = opts.timeoutMs ?? BODY_TIMEOUT_MS;
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      throw tooLarge(c, maxBytes);
    },
  });
  return async function bodyLimits(c, next) {
    const body = c.req.raw.body;
    // Hono's limit reads a body without a length itself: the deadline must already be on it.
    if (body !== null) c.req.raw = new Request(c.req.raw, { body: withDeadline(body, timeoutMs) });
    return await limit(c, next);
  };
}

/** A 413 naming the limit, and the declared size when there was one. */
function tooLarge(c: Context, maxBytes: number): ApiError {
  const declared = c.req.header("content-length");
  const what = declared === undefined ? "Request body" : `Request body of ${declared} bytes`;
  return new ApiError(413, `${what} is over the ${maxBytes}-byte limit`);
}

/**
 * The body, failing with a 408 once `timeoutMs` have passed since it was first read, and with
 * a 400 if the client goes away. A timer runs only while a read waits, so a body nobody reads
 * to its end (refused as too large, or not needed by its route) leaves none behind.
 */
function withDeadline(
  body: ReadableStream<Uint8Array>,
  timeoutMs: number,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let deadline: number | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      deadline ??= performance.now() + timeoutMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new ApiError(408, `The request body took over ${timeoutMs} ms to arrive`)),
          Math.max(0, deadline! - performance.now()),
        );
      });
      try {
        const chunk = await Promise.race([reader.read(), late]);
        if (chunk.done) controller.close();
        else controller.enqueue(chunk.value);
      } catch (err) {
        await reader.cancel().catch(() => {});
        controller.error(
          err instanceof ApiError
            ? err
            : new ApiError(400, `The request body could not be read: ${(err as Error).message}`),
        );
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
