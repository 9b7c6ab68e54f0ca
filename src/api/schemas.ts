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
  /**
   * A fixed reference model's loss on the same batches, one per loss (a byte-bigram model, say):
   * with `controlVariate` on, each window's velocity is fitted with it as a second regressor.
   */
  refLosses: z.array(z.number()).max(1024).optional().describe(
    "A fixed reference model's loss on each loss's batch, one per loss; with the run's " +
      "`controlVariate` on, windows are fitted with the batches' difficulty regressed out",
  ),
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
