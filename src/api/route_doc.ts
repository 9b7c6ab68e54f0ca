/**
 * How a route is documented: each route module exports its docs beside its handlers, and the
 * OpenAPI document and the `/docs` page are built from them.
 *
 * @module
 */

import type { z } from "zod";
import { LossesRequestSchema } from "./schemas.ts";

/** One response of a route: its description and the schema of its body. */
export interface ResponseDoc {
  description: string;
  /** The JSON body's schema; a string for `text/html` and `text/event-stream`. */
  schema: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

/** A request header a route reads. */
export interface HeaderDoc {
  name: string;
  description: string;
  schema: z.ZodType;
}

/** One route as documented. */
export interface RouteDoc {
  method: "get" | "post";
  /** The full path, with OpenAPI's `{param}` where Hono writes `:param`. */
  path: string;
  /** A stable name for generated clients, e.g. `createRun`. */
  operationId: string;
  summary: string;
  description: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  headers?: HeaderDoc[];
  responses: Record<string, ResponseDoc>;
}

/** A JSON response. */
export const json = (description: string, schema: z.ZodType): ResponseDoc => ({
  description,
  schema,
});

/** The errors of a write: validated body, token when configured, store commit. */
export const WRITE_ERRORS = [400, 401, 403, 404, 408, 413, 415, 421, 503];

/** The `Idempotency-Key` header of the writes that take one. */
export const IDEMPOTENCY_KEY: HeaderDoc = {
  name: "Idempotency-Key",
  description: "Makes a retried post land once and get the first answer again (same rules as " +
    "the body's `idempotencyKey`, which wins when both are given).",
  schema: LossesRequestSchema.shape.idempotencyKey.unwrap(),
};
