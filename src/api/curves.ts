/**
 * `GET /v1/runs/{id}/curves`: a run's curves, downsampled on the server so a page stays fast on
 * runs of any length. Events are append-only, so the log read so far is kept per run and only
 * the new events are read on the next request.
 *
 * @module
 */

import { Hono } from "hono";
import { z } from "zod";
import type { Decision, Rule } from "../adalrs/mod.ts";
import type { EventStore, RunEvent, RunStatus } from "../events/mod.ts";
import { downsample, RULE_COLOURS, runCurves } from "../replay/mod.ts";
import { mustGetRun, readQuery } from "./lookup.ts";
import { CurvesSchema, errorResponses } from "./responses.ts";
import type { RouteDoc } from "./route_doc.ts";

/** `GET /v1/runs/{id}/curves`. */
export const CurvesQuerySchema = z.strictObject({
  max: z.coerce.number().int().min(10).max(20_000).default(2000),
});

/** Points as columns: what uPlot draws. */
export interface Columns {
  step: number[];
  value: number[];
}

/** An LR decision worth a marker: one that changed the LR or took a snapshot. */
export interface Marker {
  step: number;
  rule: Rule;
  decision: Decision;
}

/** The body of `GET /v1/runs/{id}/curves`. */
export interface CurvesBody {
  runId: string;
  name: string;
  status: RunStatus;
  /** Seq of the last event the curves include. */
  seq: number;
  totalSteps: number;
  /** Points in the log before downsampling. */
  points: { train: number; val: number; lr: number };
  train: Columns;
  val: Columns;
  lr: Columns;
  markers: Marker[];
  /** Marker colour of each rule that gets a marker. */
  ruleColours: Partial<Record<Rule, string>>;
  abandoned: { fromStep: number; toStep: number; why: "rollback" | "resume" }[];
}

/** Runs whose logs are kept in memory; the least recently read is dropped first. */
const CACHED_RUNS = 16;

/**
 * Builds the curves body from a run's log.
 *
 * @param events the run's events, in seq order
 * @param status the run's status
 * @param max the most points per curve
 */
export function curvesBody(events: readonly RunEvent[], status: RunStatus, max: number) {
  const curves = runCurves(events);
  const created = events[0];
  const definition = created?.type === "RunCreated" ? created.data.definition : null;
  const columns = (points: { step: number; value: number }[]): Columns => ({
    step: points.map((p) => p.step),
    value: points.map((p) => p.value),
  });
  const body: CurvesBody = {
    runId: created?.runId ?? "",
    name: definition?.name ?? "",
    status,
    seq: events.at(-1)?.seq ?? -1,
    totalSteps: definition?.training.steps ?? 0,
    points: { train: curves.train.length, val: curves.val.length, lr: curves.lr.length },
    train: columns(downsample(curves.train, max, (p) => p.loss)),
    val: columns(downsample(curves.val, max, (p) => p.loss)),
    lr: columns(downsample(curves.lr, max, (p) => p.lr)),
    markers: curves.decisions.filter((d) => RULE_COLOURS[d.rule] !== undefined),
    ruleColours: RULE_COLOURS,
    abandoned: curves.abandoned,
  };
  return body;
}

/** The curves route, with its per-run cache of logs. */
export function curvesRoutes(store: EventStore): Hono {
  const logs = new Map<string, RunEvent[]>();
  const app = new Hono();

  app.get("/v1/runs/:id/curves", async (c) => {
    const { max } = readQuery(c, CurvesQuerySchema);
    const view = await mustGetRun(store, c.req.param("id"));
    const known = logs.get(view.id) ?? [];
    const after = known.at(-1)?.seq ?? -1;
    const events = after < view.seq ? known.concat(await store.read(view.id, { after })) : known;
    logs.delete(view.id);
    logs.set(view.id, events);
    if (logs.size > CACHED_RUNS) logs.delete(logs.keys().next().value!);
    return c.json(curvesBody(events, view.status, max));
  });

  return app;
}

/** The curves route, as the OpenAPI document and `/docs` show it. */
export const CURVES_ROUTE_DOCS: RouteDoc[] = [
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
];
