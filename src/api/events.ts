/**
 * Reading a run's log: pages of events, a live SSE stream, and the LR decisions with evidence.
 *
 * @module
 */

import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import {
  type EventStore,
  isAbandoned,
  isTerminal,
  type RunEvent,
  type RunView,
} from "../events/mod.ts";
import { mustGetRun, readHeader, readQuery } from "./lookup.ts";
import { EventsQuerySchema } from "./schemas.ts";
import { z } from "zod";
import { DecisionListSchema, errorResponses, EventPageSchema } from "./responses.ts";
import { type HeaderDoc, json, type RouteDoc } from "./route_doc.ts";

/** How often the SSE stream polls the store: cross-process KV `watch` does not fire locally. */
const POLL_MS = 250;

/** An event as served: flagged when a resume from checkpoint abandoned it. */
function annotate(view: RunView, event: RunEvent): RunEvent & { abandoned?: true } {
  return isAbandoned(view, event.seq) ? { ...event, abandoned: true } : event;
}

/** `GET /v1/runs/{id}/events`, `.../events/stream`, `.../decisions`. */
export function eventRoutes(store: EventStore): Hono {
  const app = new Hono();

  app.get("/:id/events", async (c) => {
    const { after, limit } = readQuery(c, EventsQuerySchema);
    const view = await mustGetRun(store, c.req.param("id"));
    const events = await store.read(view.id, { after, limit });
    const last = events.at(-1)?.seq ?? after;
    return c.json({
      events: events.map((e) => annotate(view, e)),
      next: last < view.seq ? last : null,
    });
  });

  app.get("/:id/events/stream", async (c) => {
    const { after } = readQuery(c, EventsQuerySchema.pick({ after: true }));
    const lastId = readHeader(
      c.req.header("last-event-id"),
      LastEventIdSchema.transform(Number),
      "Last-Event-ID",
    );
    const start = lastId ?? after;
    const id = (await mustGetRun(store, c.req.param("id"))).id;
    return streamSSE(c, async (stream) => {
      let cursor = start;
      let open = true;
      stream.onAbort(() => {
        open = false;
      });
      while (open) {
        const view = (await store.get(id))!;
        for (const event of await store.read(id, { after: cursor, limit: 500 })) {
          await stream.writeSSE({
            id: String(event.seq),
            event: event.type,
            data: JSON.stringify(annotate(view, event)),
          });
          cursor = event.seq;
        }
        if (isTerminal(view.status) && cursor >= view.seq) break;
        await stream.sleep(POLL_MS);
      }
    });
  });

  app.get("/:id/decisions", async (c) => {
    const view = await mustGetRun(store, c.req.param("id"));
    const decisions = [];
    for (const event of await store.read(view.id)) {
      if (event.type !== "LrDecided") continue;
      decisions.push({
        seq: event.seq,
        at: event.at,
        abandoned: isAbandoned(view, event.seq),
        ...event.data.decision,
      });
    }
    return c.json({ runId: view.id, decisions });
  });

  return app;
}

/** What `Last-Event-ID` may be: a seq this stream sent as an event's `id`. */
const LastEventIdSchema = z.string().trim().regex(/^-?\d{1,15}$/, "must be a whole number (a seq)");

const LAST_EVENT_ID: HeaderDoc = {
  name: "Last-Event-ID",
  description: "Resume after this seq (sent by browsers' EventSource on reconnect); " +
    "overrides `after`.",
  schema: LastEventIdSchema,
};

/** The routes of a run's log, as the OpenAPI document and `/docs` show them. */
export const EVENT_ROUTE_DOCS: RouteDoc[] = [
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
];
