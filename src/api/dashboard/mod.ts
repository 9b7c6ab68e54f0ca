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
import { z } from "zod";
import type { RouteDoc } from "../openapi.ts";
import { CurvesSchema, errorResponses, ExamplesSchema } from "../responses.ts";
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

const ASSET = { description: "The file", schema: z.string(), contentType: "text/plain" };

/** An HTML page, as the OpenAPI document lists it. */
function page(path: string, operationId: string, summary: string): RouteDoc {
  return {
    method: "get",
    path,
    operationId,
    summary,
    description: "An HTML page; its data comes from the JSON routes.",
    responses: { "200": { description: "The page", schema: z.string(), contentType: "text/html" } },
  };
}

/** Every route the dashboard serves, for the OpenAPI document's `ROUTES`. */
export const DASHBOARD_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/runs/{id}/curves",
    operationId: "getCurves",
    summary: "A run's curves, downsampled",
    description:
      "Training loss, validation loss and effective LR per step, each averaged into at " +
      "most `max` points; the LR decisions that changed something, with their evidence; and the " +
      "stretches abandoned by rollbacks and resumes.",
    query: CurvesQuerySchema,
    responses: {
      "200": { description: "The curves", schema: CurvesSchema },
      ...errorResponses([400, 404]),
    },
  },
  {
    method: "get",
    path: "/v1/examples",
    operationId: "listExamples",
    summary: "Example run definitions",
    description: "The JSON files of the service's `examples/` folder, ready to post to `/v1/runs`.",
    responses: { "200": { description: "The examples", schema: ExamplesSchema } },
  },
  page("/", "dashboardRuns", "The dashboard: every run, live"),
  page("/runs/{id}", "dashboardRun", "A run's page: curves, decisions, replay, what-if"),
  page("/compare", "dashboardCompare", "Runs overlaid (`?ids=a,b`)"),
  page("/docs", "apiDocs", "This API's documentation as HTML"),
  {
    method: "get",
    path: "/static/dashboard/{file}",
    operationId: "dashboardAsset",
    summary: "The dashboard's scripts and stylesheet",
    description: "Hand-written ES modules and CSS, served as they are.",
    responses: { "200": ASSET, ...errorResponses([404]) },
  },
  {
    method: "get",
    path: "/static/vendor/{file}",
    operationId: "vendorAsset",
    summary: "uPlot's browser files, from its npm package",
    description: "`uPlot.esm.js` and `uPlot.min.css`.",
    responses: { "200": ASSET, ...errorResponses([404]) },
  },
];
