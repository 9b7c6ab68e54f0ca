/**
 * Replay and what-if over HTTP.
 *
 * @module
 */

import { Hono } from "hono";
import type { EventStore } from "../events/mod.ts";
import { replayRun } from "../replay/mod.ts";
import { readBody } from "./body.ts";
import { mustGetRun } from "./lookup.ts";
import { ReplayRequestSchema } from "./schemas.ts";
import { errorResponses, ReplayReportSchema } from "./responses.ts";
import { json, type RouteDoc, WRITE_ERRORS } from "./route_doc.ts";

/** `POST /v1/runs/{id}/replay`. */
export function replayRoutes(store: EventStore): Hono {
  const app = new Hono();
  app.post("/:id/replay", async (c) => {
    const { adalrs } = await readBody(c, ReplayRequestSchema, "replay request", {
      allowEmpty: true,
    });
    const view = await mustGetRun(store, c.req.param("id"));
    return c.json(replayRun(await store.read(view.id), adalrs));
  });
  return app;
}

/** The replay route, as the OpenAPI document and `/docs` show them. */
export const REPLAY_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/runs/{id}/replay",
    operationId: "replayRun",
    summary: "Replay (audit) or what-if",
    description: "Re-folds the run's losses through the controller. Without overrides, reports " +
      "for every recorded decision whether the re-derived one is identical (exact numbers). " +
      "With `adalrs` overrides, shows the decisions those settings would have made.",
    body: ReplayRequestSchema,
    responses: {
      "200": json("The replay report", ReplayReportSchema),
      ...errorResponses(WRITE_ERRORS),
    },
  },
];
