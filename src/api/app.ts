/**
 * The Hono app: routes mounted on one store, errors handled in one place.
 *
 * @module
 */

import { type Context, Hono, type Next } from "hono";
import type { EventStore, StoreFileWatch } from "../events/mod.ts";
import { requireTokenForWrites } from "./auth.ts";
import { limitBodies } from "./body_limits.ts";
import { dashboardRoutes } from "./dashboard/mod.ts";
import { docsPage } from "./docs.ts";
import { ApiError, handleError } from "./errors.ts";
import { type GuardOptions, refuseForeignRequests } from "./guard.ts";
import { healthRoutes, type ReadinessOptions } from "./health.ts";
import { eventRoutes } from "./events.ts";
import { lossRoutes } from "./losses.ts";
import { openApiDocument } from "./openapi.ts";
import { replayRoutes } from "./replay.ts";
import { runRoutes } from "./runs.ts";
import { type SupervisedInfo, workerRoutes } from "./workers.ts";

/** Options of {@linkcode createApp}. */
export interface AppOptions extends GuardOptions, ReadinessOptions {
  /** When set, writes need `Authorization: Bearer <token>`. */
  token?: string;
  /** How long a request body may take to arrive. @default 30000 */
  bodyTimeoutMs?: number;
  /** The workers this service supervises, for `GET /v1/workers`. */
  supervised?: () => SupervisedInfo[];
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
  app.use("*", refuseForeignRequests(opts));
  app.use("*", requireTokenForWrites(opts.token));
  app.use("*", limitBodies({ timeoutMs: opts.bodyTimeoutMs }));
  if (opts.storeFile) app.use("*", refuseWritesWhenStoreLost(opts.storeFile));
  app.route("/", healthRoutes(store, opts));
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
  app.get("/docs", (c) => c.html(docsPage()));
  for (const routes of [runRoutes, eventRoutes, lossRoutes, replayRoutes]) {
    app.route("/v1/runs", routes(store));
  }
  app.route("/v1/workers", workerRoutes(store, opts.supervised));
  app.route("/", dashboardRoutes(store));
  return app;
}

/** No write is acknowledged once the store file is gone: it would not be there after a restart. */
function refuseWritesWhenStoreLost(file: StoreFileWatch) {
  return async function storeLost(c: Context, next: Next) {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      const lost = await file.check();
      if (lost) throw new ApiError(503, `${lost}; nothing was written. Restart the service`);
    }
    await next();
  };
}
