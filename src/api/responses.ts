/**
 * Response bodies of the HTTP API, as zod schemas: they become the OpenAPI document's
 * `components.schemas`, and the contract tests parse real answers with them, so the document
 * cannot drift from what the routes send.
 *
 * Objects the controller's revisions extend (its state, a decision's evidence) are open
 * (`looseObject`): the fields named here are promised, more may appear.
 *
 * @module
 */

import { z } from "zod";
import type { ResponseDoc } from "./route_doc.ts";

const int = () => z.number().int();
const step = () => z.number().int().min(0);

/** A loss as the service writes it: a number, or a non-finite value spelled as a string. */
export const LossValueSchema = z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])])
  .meta({ id: "LossValue" });

/** What a trainer does before its next step. */
export const ActionSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("continue") }),
  z.strictObject({ kind: z.literal("snapshot"), snapshotId: z.string() })
    .describe("Save model and optimizer state under `snapshotId`, then train on."),
  z.strictObject({ kind: z.literal("restore"), snapshotId: z.string() })
    .describe("Load the state saved under `snapshotId`, then train on."),
  z.strictObject({ kind: z.literal("branch"), snapshotId: z.string(), saveAs: z.string() })
    .describe(
      "Save the current state under `saveAs`, then load `snapshotId`; the next steps re-run the " +
        "batches from `dataStep` on (a paired trial).",
    ),
]).meta({ id: "Action" });

/** The statistics of one window of losses. */
export const WindowStatsSchema = z.strictObject({
  fromStep: step(),
  toStep: step(),
  v: z.number().describe("Descent velocity: minus the OLS slope of loss on step"),
  e: z.number().describe("Its error: z standard errors of the slope"),
  mean: z.number(),
}).meta({ id: "WindowStats" });

/** One LR decision with its evidence. */
export const DecisionSchema = z.looseObject({
  index: int().min(0),
  rule: z.string().describe(
    "The rule that fired: disabled, observe, outside-search, max-guard, reference-window, " +
      "upscale-trial, trial-return, trial-accept, trial-restore, trial-setback, trial-revert, " +
      "rising, rise-downscale, non-finite-restore, non-finite-downscale (docs/controller.md)",
  ),
  window: z.strictObject({ fromStep: step(), toStep: step(), stats: WindowStatsSchema.nullable() }),
  previous: WindowStatsSchema.nullable(),
  reference: WindowStatsSchema.nullable(),
  trial: WindowStatsSchema.nullable(),
  n: int().min(0),
  alpha: z.number(),
  beta: z.number(),
  mBefore: z.number(),
  mAfter: z.number(),
  nextStep: step(),
  lr: z.number(),
  action: ActionSchema,
}).meta({ id: "Decision" });

/** The part of a run's answer an external trainer follows: the LRs and action ahead. */
const trainerPlan = {
  nextStep: step().describe("The compute step the trainer runs next"),
  lr: z.number().describe("The learning rate for `nextStep`"),
  multiplier: z.number().describe("The AdaLRS multiplier behind `lr`"),
  action: ActionSchema,
  windowEndsAt: step().describe("Last step of the current window: post at most up to it"),
  lrs: z.array(z.number()).describe("The LR of each step from `nextStep` to `windowEndsAt`"),
  dataStep: step().describe(
    "The data position of `nextStep` (whose batch to train on); equals `nextStep` except " +
      "while a `branch` re-runs earlier batches.",
  ),
  keep: z.array(z.string()).describe(
    "Snapshot ids the trainer must still hold; every other snapshot may be freed.",
  ),
};

/** `POST /v1/runs/{id}/losses`: what to do next. */
export const LossesAnswerSchema = z.strictObject({
  runId: z.string(),
  status: z.enum(["running", "completed"]),
  ...trainerPlan,
  decision: DecisionSchema.nullable().describe("The decision made, if a window completed"),
}).meta({ id: "LossesAnswer" });

const RunStatusSchema = z.enum(["queued", "running", "completed", "failed", "cancelled"])
  .meta({ id: "RunStatus" });

/** What `GET /v1/runs/{id}` shows. */
export const RunViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  mode: z.enum(["managed", "external"]),
  status: RunStatusSchema,
  definition: z.record(z.string(), z.unknown())
    .describe("The run definition with every default resolved"),
  createdAt: z.string(),
  updatedAt: z.string(),
  seq: int().min(0).describe("Seq of the last event in the run's stream"),
  controller: z.looseObject({
    nextStep: step(),
    m: z.number(),
    n: int().min(0),
    decisions: int().min(0),
  }).describe("The controller's state (more fields follow its revision)"),
  lr: z.number(),
  multiplier: z.number(),
  progress: z.strictObject({ step: step(), totalSteps: int().min(1), fraction: z.number() }),
  lastLoss: LossValueSchema.nullable(),
  lastValLoss: LossValueSchema.nullable(),
  lastDecision: DecisionSchema.nullable(),
  decisions: int().min(0),
  worker: z.strictObject({
    id: z.string(),
    attempt: int().min(0),
    backend: z.strictObject({
      name: z.string(),
      version: z.string(),
      accelerator: z.string().optional(),
    }).nullable(),
  }).nullable(),
  checkpoint: z.strictObject({ seq: int(), step: step(), file: z.string(), sha256: z.string() })
    .nullable(),
  abandoned: z.array(z.array(int()).length(2))
    .describe("Seq ranges (inclusive) abandoned by resumes from checkpoint"),
  reason: z.string().nullable().describe("Why the run failed or was cancelled"),
}).meta({ id: "RunView" });

/** `POST /v1/runs`: the new run's view; an external run's also carries its first plan. */
export const CreatedRunSchema = RunViewSchema.extend({
  nextStep: trainerPlan.nextStep.optional(),
  action: ActionSchema.optional(),
  windowEndsAt: trainerPlan.windowEndsAt.optional(),
  lrs: trainerPlan.lrs.optional(),
  dataStep: trainerPlan.dataStep.optional(),
  keep: trainerPlan.keep.optional(),
}).describe(
  "The run's view; for an external run also `nextStep`, `action`, `windowEndsAt`, " +
    "`lrs`, `dataStep` and `keep`, as in a losses answer, so the first window can be trained whole.",
)
  .meta({ id: "CreatedRun" });

/** One event of a run's stream. */
export const RunEventSchema = z.strictObject({
  seq: int().min(0),
  runId: z.string(),
  at: z.string().describe("Wall time of the append; informational"),
  type: z.enum([
    "RunCreated",
    "RunLeased",
    "LossWindowRecorded",
    "LrDecided",
    "SnapshotTaken",
    "RolledBack",
    "CheckpointSaved",
    "EvalRecorded",
    "RunCompleted",
    "RunFailed",
    "RunCancelled",
  ]),
  data: z.record(z.string(), z.unknown()).describe("The payload of the event's type"),
  abandoned: z.literal(true).optional(),
}).meta({ id: "RunEvent" });

/** `GET /v1/runs/{id}/events`. */
export const EventPageSchema = z.strictObject({
  events: z.array(RunEventSchema),
  next: int().nullable().describe("The `after` of the next page; null at the end"),
}).meta({ id: "EventPage" });

/** `GET /v1/runs/{id}/decisions`. */
export const DecisionListSchema = z.strictObject({
  runId: z.string(),
  decisions: z.array(
    DecisionSchema.extend({ seq: int().min(0), at: z.string(), abandoned: z.boolean() }),
  ),
}).meta({ id: "DecisionList" });

/** `POST /v1/runs/{id}/replay`. */
export const ReplayReportSchema = z.strictObject({
  runId: z.string(),
  overrides: z.record(z.string(), z.unknown()),
  decisions: z.array(z.strictObject({
    lossSeq: int().min(0),
    recordedSeq: int().nullable(),
    recorded: DecisionSchema.nullable(),
    derived: DecisionSchema,
    identical: z.boolean(),
    differences: z.array(z.string()),
    abandoned: z.boolean(),
  })),
  identical: int().min(0),
  different: int().min(0),
  resumes: z.array(z.strictObject({ seq: int(), identical: z.boolean() })),
  final: z.strictObject({ multiplier: z.number(), nextStep: step() }),
}).meta({ id: "ReplayReport" });

const ColumnsSchema = z.strictObject({ step: z.array(z.number()), value: z.array(z.number()) });

/** `GET /v1/runs/{id}/curves`. */
export const CurvesSchema = z.strictObject({
  runId: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  seq: int(),
  totalSteps: int().min(0),
  points: z.strictObject({ train: int(), val: int(), lr: int() }),
  train: ColumnsSchema,
  val: ColumnsSchema,
  lr: ColumnsSchema,
  markers: z.array(z.strictObject({ step: step(), rule: z.string(), decision: DecisionSchema })),
  ruleColours: z.record(z.string(), z.string()),
  abandoned: z.array(z.strictObject({
    fromStep: step(),
    toStep: step(),
    why: z.enum(["rollback", "resume"]),
  })),
}).meta({ id: "Curves" });

/** Every error the API sends. */
export const ErrorSchema = z.strictObject({
  error: z.looseObject({
    status: int().min(400).max(599),
    message: z.string(),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional()
      .describe("Every field error (400)"),
    expectedStep: step().optional().describe("The step the run expects next (409 on losses)"),
  }),
}).meta({ id: "Error" });

/** `GET /health`. */
export const HealthSchema = z.strictObject({ ok: z.literal(true) }).meta({ id: "Health" });

/** One readiness check's outcome. */
const CheckSchema = z.looseObject({ ok: z.boolean(), message: z.string() });

/** `GET /ready`: every check, and whether all passed (200) or not (503). */
export const ReadySchema = z.strictObject({
  ready: z.boolean(),
  checks: z.strictObject({ store: CheckSchema, disk: CheckSchema, workers: CheckSchema }),
}).meta({ id: "Ready" });

/** `GET /v1/workers`: every worker that beat into the store, and this service's own. */
export const WorkerListSchema = z.strictObject({
  workers: z.array(z.strictObject({
    id: z.string(),
    pid: z.number().int(),
    host: z.string(),
    backend: z.string(),
    startedAt: z.string(),
    beatAt: z.string().describe("The latest heartbeat (ISO 8601)"),
    beatEveryMs: z.number(),
    runId: z.string().nullable().describe("The run it trains, or null while it looks for work"),
    alive: z.boolean(),
    supervised: z.strictObject({
      id: z.string(),
      pid: z.number().int().nullable(),
      state: z.string(),
      restarts: z.number().int(),
      lastExit: z.string().nullable(),
    }).nullable().describe("Set when this service started the worker and restarts it"),
  })),
}).meta({ id: "WorkerList" });

/** `GET /v1/runs`. */
export const RunListSchema = z.strictObject({ runs: z.array(RunViewSchema) })
  .meta({ id: "RunList" });

/** `GET /v1/examples`. */
export const ExamplesSchema = z.strictObject({
  examples: z.array(z.strictObject({ file: z.string(), definition: z.unknown() })),
}).meta({ id: "Examples" });

const ERRORS: Record<number, string> = {
  400: "Invalid input: every field error, listed",
  401: "A write without `Authorization: Bearer <token>` while the service runs with " +
    "`ADALRS_TOKEN`",
  404: "Unknown run",
  409: "Conflict with the run's state",
  403: "A write from another site's `Origin` (see `--allowed-origins`)",
  408: "The body took over 30 s to arrive",
  413: "Body over 256 KiB",
  415: "A write body that is not `application/json`",
  421: "A `Host` the service does not answer to (DNS rebinding; see `--allowed-hosts`)",
  422: "An `Idempotency-Key` reused for another request",
  503: "The store stayed busy through every retry; nothing was written. Retry after the " +
    "`Retry-After` seconds",
};

/**
 * Error responses, each with the one `Error` body.
 *
 * @param codes the statuses the route may answer with
 * @param overrides a route's own description of a status
 */
export function errorResponses(
  codes: number[],
  overrides: Record<number, string> = {},
): Record<string, ResponseDoc> {
  return Object.fromEntries(
    codes.map((code) => [String(code), {
      description: overrides[code] ?? ERRORS[code],
      schema: ErrorSchema,
    }]),
  );
}
