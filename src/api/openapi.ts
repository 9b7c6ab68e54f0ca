/**
 * The OpenAPI document, generated from the same zod schemas that validate requests.
 *
 * @module
 */

import { z } from "zod";
import { RunDefinitionSchema } from "../events/mod.ts";
import { DASHBOARD_ROUTE_DOCS } from "./dashboard/mod.ts";
import {
  CreatedRunSchema,
  DecisionListSchema,
  errorResponses,
  EventPageSchema,
  HealthSchema,
  LossesAnswerSchema,
  ReadySchema,
  ReplayReportSchema,
  RunListSchema,
  RunViewSchema,
  WorkerListSchema,
} from "./responses.ts";
import {
  CancelRequestSchema,
  EventsQuerySchema,
  ListQuerySchema,
  LossesRequestSchema,
  ReplayRequestSchema,
} from "./schemas.ts";

/** One response of a route: its description and the schema of its body. */
export interface ResponseDoc {
  description: string;
  /** The JSON body's schema; a string for `text/html` and `text/event-stream`. */
  schema: z.ZodType;
  /** Default `application/json`. */
  contentType?: string;
}

/** A request header a route reads. */
export interface HeaderDoc {
  name: string;
  description: string;
  schema: z.ZodType;
}

/** One route as documented. */
export interface RouteDoc {
  method: "get" | "post";
  path: string;
  /** A stable name for generated clients, e.g. `createRun`. */
  operationId: string;
  summary: string;
  description: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  headers?: HeaderDoc[];
  responses: Record<string, ResponseDoc>;
}

const json = (description: string, schema: z.ZodType): ResponseDoc => ({ description, schema });
/** A write: validated body, token when configured, store commit. */
const WRITE_ERRORS = [400, 401, 403, 404, 408, 413, 415, 421, 503];

const IDEMPOTENCY_KEY: HeaderDoc = {
  name: "Idempotency-Key",
  description: "Makes a retried post land once and get the first answer again (same rules as " +
    "the body's `idempotencyKey`, which wins when both are given).",
  schema: LossesRequestSchema.shape.idempotencyKey.unwrap(),
};

const LAST_EVENT_ID: HeaderDoc = {
  name: "Last-Event-ID",
  description: "Resume after this seq (sent by browsers' EventSource on reconnect); " +
    "overrides `after`.",
  schema: z.string().regex(/^-?\d+$/),
};

/** Every route of the API; the HTML docs and the OpenAPI document are both built from it. */
export const ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/runs",
    operationId: "createRun",
    summary: "Create a run",
    description: "Validates a run definition, fills every default, and appends `RunCreated`. " +
      "A managed run is then picked up by a worker; an external run waits for losses, and its " +
      "answer carries the first window's `lrs` like a losses answer. An `Idempotency-Key` " +
      "makes a retried create return the first try's run (`Idempotent-Replayed: true`).",
    body: RunDefinitionSchema,
    headers: [IDEMPOTENCY_KEY],
    responses: {
      "201": json("The new run's view", CreatedRunSchema),
      ...errorResponses([400, 401, 403, 408, 413, 415, 421, 422, 503], {
        422: "The `Idempotency-Key` already created a run from another definition",
      }),
    },
  },
  {
    method: "get",
    path: "/v1/runs",
    operationId: "listRuns",
    summary: "List runs",
    description: "Newest first, with status, progress, current LR and last decision.",
    query: ListQuerySchema,
    responses: { "200": json("The runs", RunListSchema), ...errorResponses([400, 503]) },
  },
  {
    method: "get",
    path: "/v1/runs/{id}",
    operationId: "getRun",
    summary: "Show a run",
    description: "Status, progress, current LR and multiplier, last loss and decision, worker.",
    responses: { "200": json("The run's view", RunViewSchema), ...errorResponses([404, 503]) },
  },
  {
    method: "post",
    path: "/v1/runs/{id}/cancel",
    operationId: "cancelRun",
    summary: "Cancel a run",
    description: "Appends `RunCancelled`; a worker training it stops within one step.",
    body: CancelRequestSchema,
    responses: {
      "200": json("The cancelled run's view", RunViewSchema),
      ...errorResponses([...WRITE_ERRORS, 409], {
        409: "The run already ended",
        503: "The store stayed busy, or the run was written too fast to cancel; retry",
      }),
    },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/events",
    operationId: "listEvents",
    summary: "Page through the event log",
    description: "Events with seq greater than `after`, oldest first; `next` is the cursor for " +
      "the following page. Events abandoned by a resume from checkpoint carry `abandoned: true`.",
    query: EventsQuerySchema,
    responses: { "200": json("A page of events", EventPageSchema), ...errorResponses([400, 404]) },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/events/stream",
    operationId: "streamEvents",
    summary: "Follow the event log live (SSE)",
    description: "Server-sent events, one per run event (`event:` is its type, `id:` its seq, " +
      "`data:` the `RunEvent` as JSON). Resumes after `Last-Event-ID` or `after`; ends when the " +
      "run has ended.",
    query: EventsQuerySchema.pick({ after: true }),
    headers: [LAST_EVENT_ID],
    responses: {
      "200": {
        description: "The event stream",
        schema: z.string(),
        contentType: "text/event-stream",
      },
      ...errorResponses([400, 404]),
    },
  },
  {
    method: "get",
    path: "/v1/runs/{id}/decisions",
    operationId: "listDecisions",
    summary: "Every LR decision with its evidence",
    description: "The rule that fired, the window's velocity and error, the reference, α', β', " +
      "n, the multiplier before and after, the next LR and the action.",
    responses: { "200": json("The decisions", DecisionListSchema), ...errorResponses([404]) },
  },
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
  {
    method: "post",
    path: "/v1/runs/{id}/losses",
    operationId: "postLosses",
    summary: "External trainers: post losses, get the next LR and action",
    description: "Post consecutive losses starting at the run's next step (at most up to the " +
      "end of the controller's window). The answer gives `lr` for `nextStep`, `lrs` up to " +
      "`windowEndsAt`, and the `action` to take first: `continue`, `snapshot`, `restore` or " +
      '`branch`. Non-finite losses may be sent as `NaN`, `"NaN"` or `null`. An optional ' +
      "`valLoss` records a validation loss measured after the last of these steps. An " +
      "`idempotencyKey` (or `Idempotency-Key` header) makes a retry land once.",
    body: LossesRequestSchema,
    headers: [IDEMPOTENCY_KEY],
    responses: {
      "200": json("What to do next", LossesAnswerSchema),
      ...errorResponses([...WRITE_ERRORS, 409, 422], {
        409: "A step gap or overlap, or losses past the window's end (with `expectedStep`); " +
          "a managed or ended run",
        422: "The idempotency key was used for other losses",
      }),
    },
  },
  {
    method: "get",
    path: "/health",
    operationId: "health",
    summary: "Liveness",
    description: "`{ ok: true }` while the service can read its store.",
    responses: { "200": json("Alive", HealthSchema), ...errorResponses([503]) },
  },
  {
    method: "get",
    path: "/ready",
    operationId: "ready",
    summary: "Readiness",
    description: "A store write that reads back, the store file still the one opened, at least " +
      "64 MiB free, and a live worker when the service runs workers; 503 names what failed.",
    responses: { "200": json("Ready", ReadySchema), "503": json("Not ready", ReadySchema) },
  },
  {
    method: "get",
    path: "/v1/workers",
    operationId: "listWorkers",
    summary: "Workers: alive, run, last beat, restarts",
    description: "Every worker that wrote a heartbeat to the store, alive or not, with the run " +
      "it trains; for workers this service supervises, their restarts and last exit.",
    responses: { "200": json("The workers", WorkerListSchema), ...errorResponses([421, 503]) },
  },
  {
    method: "get",
    path: "/openapi.json",
    operationId: "openApi",
    summary: "This document",
    description: "The OpenAPI 3.1 contract, generated from the schemas that validate requests " +
      "and answers.",
    responses: { "200": json("The document", z.record(z.string(), z.unknown())) },
  },
  ...DASHBOARD_ROUTE_DOCS,
];

const COMPONENTS = "#/components/schemas/";

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
      schema: jsonSchema(schema as z.ZodType, "input"),
    }));
    const headers = (route.headers ?? []).map((h) => ({
      name: h.name,
      in: "header",
      required: false,
      description: h.description,
      schema: jsonSchema(h.schema, "input"),
    }));
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: [route.path.startsWith("/v1/") ? "runs" : "service"],
      // Reads are open; writes need the token when the service has one.
      security: route.method === "post" ? [{ bearer: [] }] : [],
      parameters: [...params, ...query, ...headers],
      ...(route.body && {
        requestBody: {
          required: route.body !== CancelRequestSchema && route.body !== ReplayRequestSchema,
          content: { "application/json": { schema: requestSchema(route.body) } },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([code, r]) => [code, {
          description: r.description,
          content: { [r.contentType ?? "application/json"]: { schema: responseSchema(r.schema) } },
        }]),
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
    servers: [{ url: "/", description: "The service that serves this document" }],
    tags: [
      { name: "runs", description: "Runs, their events, decisions and losses" },
      { name: "service", description: "Liveness, contract and dashboard pages" },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "Checked on every write when the service runs with `ADALRS_TOKEN`; " +
            "without it, writes pass with or without a token.",
        },
      },
      schemas: {
        RunDefinition: jsonSchema(RunDefinitionSchema, "input"),
        ...responseComponents(),
      },
    },
    paths,
  };
}

/** A request body's schema; the run definition is a shared component. */
function requestSchema(schema: z.ZodType): unknown {
  return schema === RunDefinitionSchema
    ? { $ref: `${COMPONENTS}RunDefinition` }
    : jsonSchema(schema, "input");
}

/** A response body's schema: a reference when it is a named component, else inline. */
function responseSchema(schema: z.ZodType): unknown {
  const id = z.globalRegistry.get(schema)?.id;
  return id ? { $ref: `${COMPONENTS}${id}` } : jsonSchema(schema, "output");
}

/** Every schema with a `meta({ id })`, as components that reference each other. */
function responseComponents(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    io: "output",
    unrepresentable: "any",
    uri: (id) => `${COMPONENTS}${id}`,
  });
  const out: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // Components are named by their key; a `$id` next to it only confuses linters.
    const { $schema: _, $id: _id, id: _name, ...rest } = schema as Record<string, unknown>;
    out[id] = rest;
  }
  // A run's definition is the resolved run definition: point at its component.
  for (const id of ["RunView", "CreatedRun"]) {
    const view = out[id] as { properties: Record<string, unknown> };
    view.properties.definition = { $ref: `${COMPONENTS}RunDefinition` };
  }
  return out;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): unknown {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}
