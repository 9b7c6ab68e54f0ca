/**
 * Runs: create, list, show, cancel.
 *
 * @module
 */

import { Hono } from "hono";
import {
  CONFLICT,
  type EventStore,
  isTerminal,
  newEvent,
  retryConflicts,
  RunDefinitionSchema,
  trainerPlan,
} from "../events/mod.ts";
import { readBody } from "./body.ts";
import { ApiError } from "./errors.ts";
import { CancelRequestSchema, ListQuerySchema } from "./schemas.ts";
import { mustGetRun, readIdempotencyKey, readQuery } from "./lookup.ts";
import { CreatedRunSchema, errorResponses, RunListSchema, RunViewSchema } from "./responses.ts";
import { IDEMPOTENCY_KEY, json, type RouteDoc, WRITE_ERRORS } from "./route_doc.ts";

/** Routes under `/v1/runs` that manage runs as a whole. */
export function runRoutes(store: EventStore): Hono {
  const app = new Hono();

  app.post("/", async (c) => {
    const definition = await readBody(c, RunDefinitionSchema, "run definition");
    const idempotencyKey = readIdempotencyKey(c.req.header("idempotency-key"));
    const created = await store.createOnce(definition, new Date(), { idempotencyKey });
    if (created.kind === "mismatch") {
      throw new ApiError(
        422,
        `Idempotency-Key ${JSON.stringify(idempotencyKey)} already created run ` +
          `${created.runId} from another definition; a new run needs a new key`,
        { runId: created.runId },
      );
    }
    const { view } = created;
    // A retried create gets the run its first try made, with the same status: one run, not two.
    const headers: Record<string, string> = { Location: `/v1/runs/${view.id}` };
    if (created.kind === "replayed") headers["Idempotent-Replayed"] = "true";
    // An external trainer gets its first window's LRs now, so that it can train it whole.
    const answer = view.mode === "external"
      ? { ...view, ...trainerPlan(view.controller), action: { kind: "continue" } }
      : view;
    return c.json(answer, 201, headers);
  });

  app.get("/", async (c) => {
    const { limit } = readQuery(c, ListQuerySchema);
    return c.json({ runs: await store.list({ limit }) });
  });

  app.get("/:id", async (c) => c.json(await mustGetRun(store, c.req.param("id"))));

  app.post("/:id/cancel", async (c) => {
    const { reason } = await readBody(c, CancelRequestSchema, "cancel request", {
      allowEmpty: true,
    });
    const id = c.req.param("id");
    // Bounded: a run appended to faster than we can read its head gets a 503, not a hung request.
    const view = await retryConflicts(`Cancelling run ${id}`, async () => {
      const view = await mustGetRun(store, id);
      if (isTerminal(view.status)) throw new ApiError(409, `Run ${id} is already ${view.status}`);
      const event = newEvent("RunCancelled", { step: view.controller.nextStep, reason });
      const appended = await store.append(id, [event], { expectedSeq: view.seq });
      return appended.ok ? appended.view : CONFLICT;
    }, { attempts: 50 });
    return c.json(view);
  });

  return app;
}

/** The routes of runs as a whole, as the OpenAPI document and `/docs` show them. */
export const RUN_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/runs",
    operationId: "createRun",
    summary: "Create a run",
    description: "Validates a run definition, fills every default, and appends `RunCreated`. " +
      "A managed run is then picked up by a worker; an external run waits for losses, and its " +
      "answer carries the first window's `lrs` like a losses answer. An `Idempotency-Key` " +
      "makes a retried create return the first try's run (`Idempotent-Replayed: true`).",
    body: RunDefinitionSchema,
    headers: [IDEMPOTENCY_KEY],
    responses: {
      "201": json("The new run's view", CreatedRunSchema),
      ...errorResponses([400, 401, 403, 408, 413, 415, 421, 422, 503], {
        422: "The `Idempotency-Key` already created a run from another definition",
      }),
    },
  },
  {
    method: "get",
    path: "/v1/runs",
    operationId: "listRuns",
    summary: "List runs",
    description: "Newest first, with status, progress, current LR and last decision.",
    query: ListQuerySchema,
    responses: { "200": json("The runs", RunListSchema), ...errorResponses([400, 503]) },
  },
  {
    method: "get",
    path: "/v1/runs/{id}",
    operationId: "getRun",
    summary: "Show a run",
    description: "Status, progress, current LR and multiplier, last loss and decision, worker.",
    responses: { "200": json("The run's view", RunViewSchema), ...errorResponses([404, 503]) },
  },
  {
    method: "post",
    path: "/v1/runs/{id}/cancel",
    operationId: "cancelRun",
    summary: "Cancel a run",
    description: "Appends `RunCancelled`; a worker training it stops within one step.",
    body: CancelRequestSchema,
    responses: {
      "200": json("The cancelled run's view", RunViewSchema),
      ...errorResponses([...WRITE_ERRORS, 409], {
        409: "The run already ended",
        503: "The store stayed busy, or the run was written too fast to cancel; retry",
      }),
    },
  },
];
