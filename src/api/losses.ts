/**
 * The external-trainer protocol: post consecutive losses, get the LR and action for the next step.
 *
 * @module
 */

import { Hono } from "hono";
import { decodeLoss, encodeLoss } from "../adalrs/mod.ts";
import { type EventStore, isRunId, recordRunLosses } from "../events/mod.ts";
import { readBody } from "./body.ts";
import { ApiError } from "./errors.ts";
import { quoteId, readIdempotencyKey } from "./lookup.ts";
import { LossesRequestSchema } from "./schemas.ts";

/** `POST /v1/runs/{id}/losses`. */
export function lossRoutes(store: EventStore): Hono {
  const app = new Hono();
  app.post("/:id/losses", async (c) => {
    const body = await readBody(c, LossesRequestSchema, "losses", { nonFiniteIn: "losses" });
    const id = c.req.param("id");
    if (!isRunId(id)) throw new ApiError(404, `Run ${quoteId(id)} does not exist`);
    const idempotencyKey = body.idempotencyKey ??
      readIdempotencyKey(c.req.header("idempotency-key"));
    // null is what JSON.stringify makes of NaN; keep it as a failed loss, never as zero.
    const toLoss = (x: typeof body.losses[number]) => encodeLoss(x === null ? NaN : decodeLoss(x));
    const losses = body.losses.map(toLoss);
    const recorded = await recordRunLosses(
      store,
      id,
      {
        fromStep: body.fromStep,
        losses,
        ...(idempotencyKey !== undefined && { idempotencyKey }),
        ...(body.valLoss !== undefined && { valLoss: toLoss(body.valLoss) }),
      },
      { mode: "external" },
    );
    if (!recorded.ok) {
      const { status, message, expectedStep } = recorded.error;
      throw new ApiError(status, message, expectedStep === undefined ? {} : { expectedStep });
    }
    return c.json(recorded.response);
  });
  return app;
}
