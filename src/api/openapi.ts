/**
 * The OpenAPI document, generated from the same zod schemas that validate requests.
 *
 * @module
 */

import { z } from "zod";
import { RunDefinitionSchema } from "../events/mod.ts";
import { DASHBOARD_ROUTE_DOCS } from "./dashboard/mod.ts";
import {
  CancelRequestSchema,
  EventsQuerySchema,
  ListQuerySchema,
  LossesRequestSchema,
  ReplayRequestSchema,
} from "./schemas.ts";

/** One route as documented. */
export interface RouteDoc {
  method: "get" | "post";
  path: string;
  summary: string;
  description: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  responses: Record<string, string>;
}

const RUN = { "200": "The run's view", "404": "Unknown run" };

/** Every route of the API; the HTML docs and the OpenAPI document are both built from it. */
export const ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/runs",
    summary: "Create a run",
    description: "Validates a run definition, fills every default, and appends `RunCreated`. " +
      "A managed run is then picked up by a worker; an external run waits for losses.",
    body: RunDefinitionSchema,
    responses: {
      "201": "The new run's view",
      "400": "Every field error, listed",
      "413": "Body too large",
    },
  },
  {
    method: "get",
    path: "/v1/runs",
    summary: "List runs",
    description: "Newest first, with status, progress, current LR and last decision.",
    query: ListQuerySchema,
    responses: { "200": "`{ runs: RunView[] }`" },
  },
  {
    method: "get",
    path: "/v1/runs/{id}",
    summary: "Show a run",
    description: "Status, progress, current LR and multiplier, last loss and decision, worker.",
    responses: RUN,
  },
  {
    method: "post",
    path: "/v1/runs/{id}/cancel",
    summary: "Cancel a run",
    description: "Appends `RunCancelled`; a worker training it stops within one step.",
    body: CancelRequestSchema,
    responses: { ...RUN, "409": "The run already ended" },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/events",
    summary: "Page through the event log",
    description: "Events with seq greater than `after`, oldest first; `next` is the cursor for " +
      "the following page. Events abandoned by a resume from checkpoint carry `abandoned: true`.",
    query: EventsQuerySchema,
    responses: { "200": "`{ events, next }`", "404": "Unknown run" },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/events/stream",
    summary: "Follow the event log live (SSE)",
    description: "Server-sent events, one per run event (`event:` is its type, `id:` its seq). " +
      "Resumes after `Last-Event-ID` or `after`; ends when the run has ended.",
    responses: { "200": "text/event-stream", "404": "Unknown run" },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/decisions",
    summary: "Every LR decision with its evidence",
    description: "The rule that fired, the window's velocity and error, the reference, α', β', " +
      "n, the multiplier before and after, the next LR and the action.",
    responses: { "200": "`{ runId, decisions }`", "404": "Unknown run" },
  },
  {
    method: "post",
    path: "/v1/runs/{id}/replay",
    summary: "Replay (audit) or what-if",
    description: "Re-folds the run's losses through the controller. Without overrides, reports " +
      "for every recorded decision whether the re-derived one is identical (exact numbers). " +
      "With `adalrs` overrides, shows the decisions those settings would have made.",
    body: ReplayRequestSchema,
    responses: { "200": "The replay report", "400": "Invalid overrides", "404": "Unknown run" },
  },
  {
    method: "post",
    path: "/v1/runs/{id}/losses",
    summary: "External trainers: post losses, get the next LR and action",
    description: "Post consecutive losses starting at the run's next step (at most up to the " +
      "end of the controller's window). The answer gives `lr` for `nextStep` and the `action` " +
      "to take first: `continue`, `snapshot` (save model and optimizer under `snapshotId`) or " +
      '`restore` (load `snapshotId`). Non-finite losses may be sent as `NaN`, `"NaN"` or ' +
      "`null`. An `idempotencyKey` (or `Idempotency-Key` header) makes a retry land once.",
    body: LossesRequestSchema,
    responses: {
      "200": "`{ nextStep, lr, multiplier, action, decision, windowEndsAt, lrs }`",
      "400": "Every field error",
      "404": "Unknown run",
      "409": "A step gap or overlap (with `expectedStep`), a managed or ended run",
    },
  },
  {
    method: "get",
    path: "/health",
    summary: "Liveness",
    description: "`{ ok: true }` while the service can read its store.",
    responses: { "200": "Alive" },
  },
  ...DASHBOARD_ROUTE_DOCS,
];

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: "query",
      required: false,
      schema: jsonSchema(schema as z.ZodType),
    }));
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      summary: route.summary,
      description: route.description,
      parameters: [...params, ...query],
      ...(route.body && {
        requestBody: {
          required: true,
          content: { "application/json": { schema: jsonSchema(route.body) } },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([code, description]) => [code, { description }]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "adalrs",
      version: "1",
      description: "Pretraining with online learning-rate search (AdaLRS); every LR decision " +
        "is an auditable, replayable event.",
    },
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    paths,
  };
}

function jsonSchema(schema: z.ZodType): unknown {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  return rest;
}
