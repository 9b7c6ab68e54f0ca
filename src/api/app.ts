/**
 * The Hono app: routes mounted on one store, errors handled in one place.
 *
 * @module
 */

import { Hono } from "hono";
import { type EventStore, retryLocked } from "../events/mod.ts";
import { requireTokenForWrites } from "./auth.ts";
import { dashboardRoutes } from "./dashboard/mod.ts";
import { docsPage } from "./docs.ts";
import { handleError } from "./errors.ts";
import { eventRoutes } from "./events.ts";
import { lossRoutes } from "./losses.ts";
import { openApiDocument } from "./openapi.ts";
import { replayRoutes } from "./replay.ts";
import { runRoutes } from "./runs.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions {
  /** When set, writes need `Authorization: Bearer <token>`. */
  token?: string;
}

/**
 * Builds the HTTP app over an event store.
 *
 * @example
 * ```ts
 * import { createApp } from "./app.ts";
 * import { EventStore } from "../events/mod.ts";
 * const store = new EventStore(await Deno.openKv(":memory:"));
 * const res = await createApp(store).request("/health");
 * if (res.status !== 200) throw new Error("unhealthy");
 * store.kv.close();
 * ```
 */
export function createApp(store: EventStore, opts: AppOptions = {}): Hono {
  const app = new Hono();
  app.onError(handleError);
  app.notFound((c) =>
    c.json({ error: { status: 404, message: `No route ${c.req.method} ${c.req.path}` } }, 404)
  );
  app.use("*", requireTokenForWrites(opts.token));
  app.get("/health", async (c) => {
    await retryLocked(() => store.kv.get(["health"]));
    return c.json({ ok: true });
  });
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", (c) => c.html(docsPage()));
  for (const routes of [runRoutes, eventRoutes, lossRoutes, replayRoutes]) {
    app.route("/v1/runs", routes(store));
  }
  app.route("/", dashboardRoutes(store));
  return app;
}
