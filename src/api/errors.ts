/**
 * API errors: thrown as `ApiError` anywhere, turned into one JSON shape in one place.
 *
 * @module
 */

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { ConflictRetriesExhausted, isLockError, ValueTooLargeError } from "../events/mod.ts";

/** One problem with a request field: where, and what is wrong. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An error with an HTTP status, a message and optional details, sent as JSON. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A 400 listing every field error zod found. */
export function validationError(what: string, error: z.ZodError): ApiError {
  const issues: FieldIssue[] = error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(body)",
    message: i.message,
  }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new ApiError(400, `Invalid ${what}: ${summary}`, { issues });
}

/**
 * The app's `onError`: every failure becomes `{ error: { status, message, ... } }`, and no stack
 * trace ever reaches a client.
 */
export function handleError(err: Error, c: Context): Response {
  if (err instanceof ApiError) {
    return c.json(
      { error: { status: err.status, message: err.message, ...err.details } },
      err.status,
    );
  }
  if (err instanceof ValueTooLargeError) {
    return c.json({ error: { status: 413, message: err.message } }, 413);
  }
  if (isLockError(err)) {
    // The store stayed locked by other writers through every retry: nothing was written.
    c.header("Retry-After", "1");
    return c.json({ error: { status: 503, message: "The store is busy; retry" } }, 503);
  }
  if (err instanceof ConflictRetriesExhausted) {
    // Other writers kept moving the run's head through every attempt: nothing was written.
    c.header("Retry-After", "1");
    return c.json({ error: { status: 503, message: err.message } }, 503);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    return c.json({ error: { status, message: err.message || "Request failed" } }, status);
  }
  console.error(`Unhandled error on ${c.req.method} ${c.req.path}:`, err);
  return c.json({ error: { status: 500, message: "Internal error; see the service log" } }, 500);
}
