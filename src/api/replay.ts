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
