/**
 * The Hono app: routes mounted on one store, errors handled in one place.
 *
 * @module
 */

import { type Context, Hono, type Next } from "hono";
import type { EventStore, StoreFileWatch } from "../events/mod.ts";
import { requireTokenForWrites } from "./auth.ts";
import { limitBodies } from "./body_limits.ts";
import { CURVES_ROUTE_DOCS, curvesRoutes } from "./curves.ts";
import { DASHBOARD_ROUTE_DOCS, dashboardRoutes } from "./dashboard/mod.ts";
import { CONTRACT_ROUTE_DOCS, contractRoutes } from "./docs.ts";
import { ApiError, handleError } from "./errors.ts";
import { type GuardOptions, refuseForeignRequests } from "./guard.ts";
import { HEALTH_ROUTE_DOCS, healthRoutes, type ReadinessOptions } from "./health.ts";
import { EVENT_ROUTE_DOCS, eventRoutes } from "./events.ts";
import { EXAMPLE_ROUTE_DOCS, exampleRoutes } from "./examples.ts";
import { LOSS_ROUTE_DOCS, lossRoutes } from "./losses.ts";
import { REPLAY_ROUTE_DOCS, replayRoutes } from "./replay.ts";
import type { RouteDoc } from "./route_doc.ts";
import { RUN_ROUTE_DOCS, runRoutes } from "./runs.ts";
import { type SupervisedInfo, WORKER_ROUTE_DOCS, workerRoutes } from "./workers.ts";

/**
 * Every route's docs, in the order `/docs` lists them; each module keeps its own beside its
 * handlers, and a test checks that this list and the app's routes name the same routes.
 */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  ...RUN_ROUTE_DOCS,
  ...EVENT_ROUTE_DOCS,
  ...REPLAY_ROUTE_DOCS,
  ...LOSS_ROUTE_DOCS,
  ...HEALTH_ROUTE_DOCS,
  ...WORKER_ROUTE_DOCS,
  ...CONTRACT_ROUTE_DOCS,
  ...CURVES_ROUTE_DOCS,
  ...EXAMPLE_ROUTE_DOCS,
  ...DASHBOARD_ROUTE_DOCS,
];

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
  app.route("/", contractRoutes(ROUTE_DOCS));
  for (const routes of [runRoutes, eventRoutes, lossRoutes, replayRoutes]) {
    app.route("/v1/runs", routes(store));
  }
  app.route("/", curvesRoutes(store));
  app.route("/", exampleRoutes());
  app.route("/v1/workers", workerRoutes(store, opts.supervised));
  app.route("/", dashboardRoutes());
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
