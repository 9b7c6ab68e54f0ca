/**
 * `GET /v1/workers`: every worker that beat into the store (alive or not, its run, its last
 * beat), with what the supervisor of this service knows of its own (restarts, last exit).
 *
 * @module
 */

import { Hono } from "hono";
import { type EventStore, listWorkers } from "../events/mod.ts";
import { errorResponses, WorkerListSchema } from "./responses.ts";
import { json, type RouteDoc } from "./route_doc.ts";

/** What a supervisor reports of one worker it keeps running (see `workers/supervise.ts`). */
export interface SupervisedInfo {
  id: string;
  pid: number | null;
  state: string;
  restarts: number;
  lastExit: string | null;
}

/**
 * The workers route.
 *
 * @param store the store workers beat into
 * @param supervised this service's own workers, when it runs any
 */
export function workerRoutes(store: EventStore, supervised?: () => SupervisedInfo[]): Hono {
  const app = new Hono();
  app.get("/", async (c) => {
    const beats = await listWorkers(store.kv);
    const own = new Map((supervised?.() ?? []).map((w) => [w.id, w]));
    const workers = beats.map((beat) => {
      const mine = own.get(beat.id);
      own.delete(beat.id);
      return { ...beat, supervised: mine ?? null };
    });
    // Started, but not beating yet (or never): still shown, as not alive.
    for (const mine of own.values()) {
      workers.push({
        id: mine.id,
        pid: mine.pid ?? 0,
        host: "",
        backend: "",
        startedAt: "",
        beatAt: "",
        beatEveryMs: 0,
        runId: null,
        alive: false,
        supervised: mine,
      });
    }
    return c.json({ workers });
  });
  return app;
}

/** The workers route, as the OpenAPI document and `/docs` show them. */
export const WORKER_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/workers",
    operationId: "listWorkers",
    summary: "Workers: alive, run, last beat, restarts",
    description: "Every worker that wrote a heartbeat to the store, alive or not, with the run " +
      "it trains; for workers this service supervises, their restarts and last exit.",
    responses: { "200": json("The workers", WorkerListSchema), ...errorResponses([421, 503]) },
  },
];
