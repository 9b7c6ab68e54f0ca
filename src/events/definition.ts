/**
 * The run definition: what a user posts to `POST /v1/runs`. Validated at the edge with zod;
 * every field has a default, and the resolved definition is stored in `RunCreated`.
 *
 * @module
 */

import { z } from "zod";
import {
  ADALRS_DEFAULTS,
  type AdalrsConfig,
  CONTROLLER_REVISION,
  defaultSettle,
  defaultWindow,
  type ReferenceKind,
  revisionSettings,
} from "../adalrs/mod.ts";
import { SCHEDULE_DEFAULTS } from "../schedule/mod.ts";
import { formatBytes, gptFootprint, WASM_HEAP_LIMIT_BYTES } from "./footprint.ts";
import { SYNTHETIC_DEFAULTS } from "../synthetic/mod.ts";

const positiveInt = (max: number) => z.number().int().positive().max(max);
const fraction = z.number().min(0).max(1);

/** A GPT-style decoder trained on text with TensorFlow.js. */
const GptModel = z.strictObject({
  kind: z.literal("gpt"),
  /** Byte-level tokenizer: 256 symbols. */
  vocabSize: positiveInt(65_536).default(256),
  layers: positiveInt(64).default(2),
  width: positiveInt(4096).default(128),
  heads: positiveInt(64).default(4),
}).refine((m) => m.width % m.heads === 0, {
  message: "width must be divisible by heads",
  path: ["heads"],
});

/** A loss landscape with a known best LR, for trying the pipeline in milliseconds. */
const SyntheticModel = z.strictObject({
  kind: z.literal("synthetic"),
  optimumLr: z.number().positive().default(SYNTHETIC_DEFAULTS.optimumLr),
  initialLoss: z.number().default(SYNTHETIC_DEFAULTS.initialLoss),
  floorLoss: z.number().default(SYNTHETIC_DEFAULTS.floorLoss),
  rate: z.number().positive().max(1).default(SYNTHETIC_DEFAULTS.rate),
  width: z.number().positive().default(SYNTHETIC_DEFAULTS.width),
  noise: z.number().min(0).default(SYNTHETIC_DEFAULTS.noise),
  /** Milliseconds each synthetic step takes, to make a run watchable. */
  stepDelayMs: z.number().int().min(0).max(60_000).default(0),
});

/** Which model a managed run trains. */
export const ModelSchema = z.discriminatedUnion("kind", [GptModel, SyntheticModel]);

/** The text a GPT run trains on; both corpora ship in npm packages. */
export const DataSchema = z.strictObject({
  corpus: z.enum(["moby-dick", "sotu"]).default("moby-dick"),
  validationFraction: z.number().gt(0).lt(0.5).default(0.1),
});

/** Steps, batch and bookkeeping cadence. */
export const TrainingSchema = z.strictObject({
  steps: positiveInt(10_000_000),
  batchSize: positiveInt(4096).default(16),
  sequenceLength: positiveInt(8192).default(64),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(0),
  /** Validation loss every N steps (0: only at the end). */
  evalEvery: z.number().int().min(0).default(100),
  evalBatches: positiveInt(1000).default(4),
  /** Checkpoint to disk every N steps (0: never), at the next window boundary outside a trial. */
  checkpointEvery: z.number().int().min(0).default(200),
});

/** AdamW with decoupled weight decay. */
export const OptimizerSchema = z.strictObject({
  lr: z.number().positive().max(100),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.95),
  eps: z.number().positive().default(1e-8),
  weightDecay: z.number().min(0).default(0.1),
  /** Global gradient-norm clip (0: off). */
  gradClip: z.number().min(0).default(1),
});

/** The base LR schedule. */
export const ScheduleSchema = z.strictObject({
  kind: z.enum(["constant", "cosine", "wsd"]).default(SCHEDULE_DEFAULTS.kind),
  warmupSteps: z.number().int().min(0).default(SCHEDULE_DEFAULTS.warmupSteps),
  minRatio: fraction.default(SCHEDULE_DEFAULTS.minRatio),
  decayFraction: fraction.default(SCHEDULE_DEFAULTS.decayFraction),
});

// Every reference kind the controller knows; `satisfies` fails the build if one is missing.
/** Every `adalrs.reference` a run definition accepts. */
export const REFERENCE_KINDS = Object.keys(
  { trigger: 1, pair: 1, fresh: 1, bracket: 1, "trigger-return": 1 } satisfies Record<
    ReferenceKind,
    1
  >,
) as [ReferenceKind, ...ReferenceKind[]];

/** The AdaLRS controller's fields, without the cross-field check (what-if overrides use it). */
export const AdalrsBaseSchema = z.strictObject({
  /** The rules' revision; a new run records the current one (older ones replay old runs). */
  revision: z.number().int().min(2).max(CONTROLLER_REVISION).default(CONTROLLER_REVISION),
  enabled: z.boolean().default(ADALRS_DEFAULTS.enabled),
  window: z.number().int().min(4).max(1024).default(ADALRS_DEFAULTS.window),
  alpha: z.number().min(1).max(100).default(ADALRS_DEFAULTS.alpha),
  beta: z.number().min(1).max(100).default(ADALRS_DEFAULTS.beta),
  lambda: z.number().gt(0).max(1).default(ADALRS_DEFAULTS.lambda),
  z: z.number().min(0).max(100).default(ADALRS_DEFAULTS.z),
  searchStart: fraction.default(ADALRS_DEFAULTS.searchStart),
  searchEnd: fraction.default(ADALRS_DEFAULTS.searchEnd),
  reference: z.enum(REFERENCE_KINDS).default(ADALRS_DEFAULTS.reference),
  trial: z.enum(["sequential", "paired"]).default(ADALRS_DEFAULTS.trial),
  settle: z.number().int().min(1).max(16).default(ADALRS_DEFAULTS.settle),
  settleAt: z.enum(["old", "lower"]).default(ADALRS_DEFAULTS.settleAt),
  stopWhenBracketed: z.boolean().default(ADALRS_DEFAULTS.stopWhenBracketed),
  bracketCeiling: z.boolean().default(ADALRS_DEFAULTS.bracketCeiling),
  climb: z.boolean().default(ADALRS_DEFAULTS.climb),
  downscaleAfterSearch: z.boolean().default(ADALRS_DEFAULTS.downscaleAfterSearch),
  repeatDownscale: z.boolean().default(ADALRS_DEFAULTS.repeatDownscale),
  downscaleOnTie: z.boolean().default(ADALRS_DEFAULTS.downscaleOnTie),
  compare: z.enum(["settled", "cooldown"]).default(ADALRS_DEFAULTS.compare),
  abortRise: z.number().min(0).max(10).default(ADALRS_DEFAULTS.abortRise),
  earlyAccept: z.number().min(0).max(100).default(ADALRS_DEFAULTS.earlyAccept),
  controlVariate: z.boolean().default(ADALRS_DEFAULTS.controlVariate),
  noiseWindow: z.boolean().default(ADALRS_DEFAULTS.noiseWindow),
});

/** Controller settings to override (what-if, experiments): the same fields, none required. */
export const AdalrsOverridesSchema = z.strictObject(
  Object.fromEntries(
    Object.entries(AdalrsBaseSchema.shape).map(([key, field]) => [key, field.unwrap().optional()]),
  ),
) as unknown as z.ZodType<Partial<AdalrsConfig>>;

/** A setting whose default depends on the revision a definition asks for (resolved on parse). */
function byRevision<T extends z.ZodType>(field: z.ZodDefault<T>) {
  const today = JSON.stringify(field.parse(undefined));
  return field.unwrap().optional().describe(
    `default: ${today}, or how an older \`revision\` behaved when the definition asks for one`,
  );
}

/**
 * The AdaLRS controller's settings in a run definition (see docs/controller.md). The window may
 * be left to the run's length: `"auto"` (the default) resolves with {@linkcode defaultWindow}.
 */
export const AdalrsSchema = AdalrsBaseSchema.extend({
  window: z.union([z.number().int().min(4).max(1024), z.literal("auto")]).default("auto"),
  // Left out, these take the behaviour of the `revision` asked for (today's unless it is set).
  trial: byRevision(AdalrsBaseSchema.shape.trial),
  settle: byRevision(AdalrsBaseSchema.shape.settle).describe(
    "default: 2; with `window` left out too, as many windows as cover 100 steps (revision 7); " +
      "or how an older `revision` behaved when the definition asks for one",
  ),
  settleAt: byRevision(AdalrsBaseSchema.shape.settleAt),
  stopWhenBracketed: byRevision(AdalrsBaseSchema.shape.stopWhenBracketed),
  bracketCeiling: byRevision(AdalrsBaseSchema.shape.bracketCeiling),
  climb: byRevision(AdalrsBaseSchema.shape.climb),
  downscaleAfterSearch: byRevision(AdalrsBaseSchema.shape.downscaleAfterSearch),
  repeatDownscale: byRevision(AdalrsBaseSchema.shape.repeatDownscale),
  downscaleOnTie: byRevision(AdalrsBaseSchema.shape.downscaleOnTie),
  compare: byRevision(AdalrsBaseSchema.shape.compare),
  abortRise: byRevision(AdalrsBaseSchema.shape.abortRise),
  earlyAccept: byRevision(AdalrsBaseSchema.shape.earlyAccept),
  controlVariate: byRevision(AdalrsBaseSchema.shape.controlVariate),
  noiseWindow: byRevision(AdalrsBaseSchema.shape.noiseWindow),
}).refine((a) => a.searchStart <= a.searchEnd, {
  message: "searchStart must not be after searchEnd",
  path: ["searchEnd"],
});

/** A run definition as posted; `RunDefinition` is its resolved form with every default filled. */
export const RunDefinitionSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).default("run"),
  /** Free-form labels, e.g. where an imported log came from. */
  tags: z.record(z.string().max(64), z.string().max(500)).refine(
    (t) => Object.keys(t).length <= 20,
    {
      message: "at most 20 tags",
    },
  ).default({}),
  mode: z.enum(["managed", "external"]).default("managed"),
  model: ModelSchema.optional(),
  data: DataSchema.optional(),
  training: TrainingSchema,
  optimizer: OptimizerSchema,
  schedule: ScheduleSchema.default(SCHEDULE_DEFAULTS),
  // Left out, it resolves as `{}` does: the window and the settle from the run's length.
  adalrs: AdalrsSchema.prefault({}),
}).superRefine((d, ctx) => {
  if (d.mode === "managed" && !d.model) {
    ctx.addIssue({
      code: "custom",
      path: ["model"],
      message: "a managed run (the default mode) needs a model; a trainer of your own that " +
        'posts its losses needs "mode": "external"',
    });
  }
  for (const field of ["model", "data"] as const) {
    if (d.mode === "external" && d[field] !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [field],
        message: `an external run trains its own model and data: remove ${field} (or use tags ` +
          "to describe them)",
      });
    }
  }
  if (d.mode === "managed" && d.model?.kind === "gpt") {
    // A worker that runs out of its wasm heap aborts its runtime: refuse what it cannot hold.
    const need = gptFootprint({ ...d.model, ...d.training });
    if (need.totalBytes > WASM_HEAP_LIMIT_BYTES) {
      ctx.addIssue({
        code: "custom",
        path: ["model"],
        message: `training this GPT needs an estimated ${formatBytes(need.totalBytes)} ` +
          `(${formatBytes(need.parameterBytes)} for ${need.parameters} parameters with their ` +
          `gradients and AdamW state, ${formatBytes(need.activationBytes)} of activations for ` +
          `${d.training.batchSize}x${d.training.sequenceLength} tokens), over the ` +
          `${formatBytes(WASM_HEAP_LIMIT_BYTES)} a worker's WebAssembly heap can hold: use fewer ` +
          `layers, a smaller width, batchSize or sequenceLength`,
      });
    }
  }
  if (d.schedule.warmupSteps >= d.training.steps) {
    ctx.addIssue({
      code: "custom",
      path: ["schedule", "warmupSteps"],
      message: `warmupSteps must be below training.steps (${d.training.steps})`,
    });
  }
}).transform(({ adalrs, ...d }) => {
  const { steps } = d.training;
  const window = adalrs.window === "auto"
    ? defaultWindow(steps, adalrs.searchStart, adalrs.searchEnd)
    : adalrs.window;
  // An older revision asked for gets its behaviour in every setting the definition leaves out.
  const given = Object.fromEntries(Object.entries(adalrs).filter(([, v]) => v !== undefined));
  const settings: AdalrsConfig = {
    ...ADALRS_DEFAULTS,
    // A run short enough for a window under 50 still settles as long as a 3,000-step run does.
    ...(adalrs.window === "auto" && { settle: defaultSettle(window, adalrs.revision) }),
    ...revisionSettings(adalrs.revision),
    ...given,
    window,
  };
  const resolved = { ...d, adalrs: settings };
  // A GPT run always trains on some text; make the default corpus explicit in the stored run.
  return d.model?.kind === "gpt" && d.data === undefined
    ? { ...resolved, data: DataSchema.parse({}) }
    : resolved;
});

/** A run definition with every default resolved. */
export type RunDefinition = z.output<typeof RunDefinitionSchema>;

/** The model part of a run definition. */
export type ModelDefinition = z.output<typeof ModelSchema>;
