/**
 * The web dashboard: runs, one run's curves and audit, and a comparison of runs, served by the
 * same Hono app as the API. Mount it with `app.route("/", dashboardRoutes(store))`.
 *
 * Routes: `GET /`, `GET /runs/{id}`, `GET /compare?ids=a,b`, the static files under `/static/`,
 * and two JSON endpoints the pages use: `GET /v1/runs/{id}/curves?max=N` (curves downsampled on
 * the server) and `GET /v1/examples` (the run definitions in `examples/`).
 *
 * @module
 */

import { Hono } from "hono";
import type { EventStore } from "../../events/mod.ts";
import type { RouteDoc } from "../openapi.ts";
import { assetRoutes } from "./assets.ts";
import { CurvesQuerySchema, curvesRoutes } from "./curves.ts";
import { comparePage, PAGE_CSP, runPage, runsPage } from "./pages.ts";

export { type CurvesBody, curvesBody } from "./curves.ts";

/**
 * The dashboard's routes over an event store.
 *
 * @param store the store the API serves
 * @returns a Hono app to mount at `/`
 */
export function dashboardRoutes(store: EventStore): Hono {
  const app = new Hono();
  const html = (body: string) =>
    new Response(body, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": PAGE_CSP,
        "cache-control": "no-cache",
      },
    });
  app.get("/", () => html(runsPage()));
  app.get("/runs/:id", () => html(runPage()));
  app.get("/compare", () => html(comparePage()));
  app.route("/", assetRoutes());
  app.route("/", curvesRoutes(store));
  return app;
}

/** The dashboard's JSON endpoints, for the OpenAPI document's `ROUTES`. */
export const DASHBOARD_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/runs/{id}/curves",
    summary: "A run's curves, downsampled",
    description:
      "Training loss, validation loss and effective LR per step, each averaged into at " +
      "most `max` points; the LR decisions that changed something, with their evidence; and the " +
      "stretches abandoned by rollbacks and resumes.",
    query: CurvesQuerySchema,
    responses: { "200": "`{ train, val, lr, markers, abandoned, ... }`", "404": "Unknown run" },
  },
  {
    method: "get",
    path: "/v1/examples",
    summary: "Example run definitions",
    description: "The JSON files of the service's `examples/` folder, ready to post to `/v1/runs`.",
    responses: { "200": "`{ examples: [{ file, definition }] }`" },
  },
];
