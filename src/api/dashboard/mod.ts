/**
 * The web dashboard: runs, one run's curves and audit, and a comparison of runs, served by the
 * same Hono app as the API. Mount it with `app.route("/", dashboardRoutes())`.
 *
 * Routes: `GET /`, `GET /runs/{id}`, `GET /compare?ids=a,b` and the static files under
 * `/static/`. The pages' data comes from the JSON API, `/v1/runs/{id}/curves` and `/v1/examples`
 * included.
 *
 * @module
 */

import { Hono } from "hono";
import { z } from "zod";
import type { RouteDoc } from "../route_doc.ts";
import { ASSET_ROUTE_DOCS, assetRoutes } from "./assets.ts";
import { comparePage, PAGE_CSP, runPage, runsPage } from "./pages.ts";

/**
 * The dashboard's pages and static files.
 *
 * @returns a Hono app to mount at `/`
 */
export function dashboardRoutes(): Hono {
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
  return app;
}

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

/** Every route the dashboard serves, as the OpenAPI document and `/docs` show them. */
export const DASHBOARD_ROUTE_DOCS: RouteDoc[] = [
  page("/", "dashboardRuns", "The dashboard: every run, live"),
  page("/runs/{id}", "dashboardRun", "A run's page: curves, decisions, replay, what-if"),
  page("/compare", "dashboardCompare", "Runs overlaid (`?ids=a,b`)"),
  ...ASSET_ROUTE_DOCS,
];
