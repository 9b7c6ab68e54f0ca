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
import { errorResponses, LossesAnswerSchema } from "./responses.ts";
import { IDEMPOTENCY_KEY, json, type RouteDoc, WRITE_ERRORS } from "./route_doc.ts";

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
        ...(body.refLosses !== undefined && { refLosses: body.refLosses }),
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

/** The losses route, as the OpenAPI document and `/docs` show them. */
export const LOSS_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/runs/{id}/losses",
    operationId: "postLosses",
    summary: "External trainers: post losses, get the next LR and action",
    description: "Post consecutive losses starting at the run's next step (at most up to the " +
      "end of the controller's window). The answer gives `lr` for `nextStep`, `lrs` up to " +
      "`windowEndsAt`, and the `action` to take first: `continue`, `snapshot`, `restore` or " +
      '`branch`. Non-finite losses may be sent as `NaN`, `"NaN"` or `null`. An optional ' +
      "`valLoss` records a validation loss measured after the last of these steps; optional " +
      "`refLosses` (one per loss) give a fixed reference model's loss on the same batches, " +
      "which a run with `controlVariate` fits against. An " +
      "`idempotencyKey` (or `Idempotency-Key` header) makes a retry land once.",
    body: LossesRequestSchema,
    headers: [IDEMPOTENCY_KEY],
    responses: {
      "200": json("What to do next", LossesAnswerSchema),
      ...errorResponses([...WRITE_ERRORS, 409, 422], {
        409: "A step gap or overlap, or losses past the window's end (with `expectedStep`); " +
          "a managed or ended run",
        422: "The idempotency key was used for other losses; `refLosses` not one finite " +
          "number per loss",
      }),
    },
  },
];
