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
