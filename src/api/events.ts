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
import { mustGetRun, readQuery } from "./lookup.ts";
import { EventsQuerySchema } from "./schemas.ts";

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
    const lastId = Number(c.req.header("last-event-id") ?? NaN);
    const start = Number.isInteger(lastId) ? lastId : after;
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
