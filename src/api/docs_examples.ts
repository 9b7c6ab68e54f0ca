/**
 * A request example for each route of `/docs`: a `curl` line a reader can paste, with a body
 * that the route accepts (a test validates each against the route's schema).
 *
 * @module
 */

import type { RouteDoc } from "./route_doc.ts";

/** Example request bodies of the routes that take one, by `METHOD path`. */
export const BODY_EXAMPLES: Record<string, unknown> = {
  "POST /v1/runs": {
    name: "small LR",
    mode: "managed",
    model: { kind: "synthetic" },
    training: { steps: 600 },
    optimizer: { lr: 3e-4 },
    schedule: { kind: "cosine" },
  },
  "POST /v1/runs/{id}/cancel": { reason: "wrong LR" },
  "POST /v1/runs/{id}/replay": { adalrs: { window: 20, reference: "trigger" } },
  "POST /v1/runs/{id}/losses": { fromStep: 0, losses: [3.21, 3.18, 3.2], idempotencyKey: "0" },
};

/** Example query strings, by `METHOD path`. */
const QUERY_EXAMPLES: Record<string, string> = {
  "GET /v1/runs": "?limit=20",
  "GET /v1/runs/{id}/events": "?after=-1&limit=100",
  "GET /v1/runs/{id}/curves": "?max=500",
};

/**
 * The `curl` command of a route's example request.
 *
 * @param route the route
 * @param base the service's address as the reader sees it
 * @returns one command, continued over lines with `\`
 */
export function curlExample(route: RouteDoc, base = "http://127.0.0.1:8000"): string {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  const path = route.path.replace("{id}", "RUN_ID") + (QUERY_EXAMPLES[key] ?? "");
  if (route.method === "get") {
    const stream = route.path.endsWith("/stream") ? "-N " : "";
    return `curl ${stream}${base}${path}`;
  }
  const body = BODY_EXAMPLES[key] ?? {};
  return `curl -X POST ${base}${path} \\\n  -H 'content-type: application/json' \\\n  -d '${
    JSON.stringify(body)
  }'`;
}
