/**
 * Request bodies and query strings of the HTTP API, as zod schemas: the same objects validate
 * requests and generate the OpenAPI document.
 *
 * @module
 */

import { z } from "zod";
import { AdalrsOverridesSchema } from "../events/mod.ts";
import { IdempotencyKeySchema } from "./lookup.ts";

/** A loss as posted: a number, or a non-finite value as a string; `null` (JavaScript's NaN) too. */
export const LossSchema = z.union([
  z.number(),
  z.enum(["NaN", "Infinity", "-Infinity"]),
  z.null(),
]);

/** `POST /v1/runs/{id}/losses`. */
export const LossesRequestSchema = z.strictObject({
  fromStep: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  losses: z.array(LossSchema).min(1).max(1024),
  idempotencyKey: IdempotencyKeySchema.optional(),
  /** A validation loss measured after the last of these steps (stored as `EvalRecorded`). */
  valLoss: LossSchema.optional(),
});

/** `POST /v1/runs/{id}/cancel`. */
export const CancelRequestSchema = z.strictObject({
  reason: z.string().max(500).default("cancelled by a user"),
});

/** `POST /v1/runs/{id}/replay`: with `adalrs` overrides it is a what-if. */
export const ReplayRequestSchema = z.strictObject({
  adalrs: AdalrsOverridesSchema.default({}),
});

/** `GET /v1/runs/{id}/events`. */
export const EventsQuerySchema = z.strictObject({
  after: z.coerce.number().int().min(-1).default(-1),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** `GET /v1/runs`. */
export const ListQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
