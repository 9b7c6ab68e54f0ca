/**
 * AdaLRS against an LR grid sweep, on real pretraining:
 *
 *     deno task experiment --profile quick|full --schedule cosine|wsd|constant
 *       [--steps N] [--layers L] [--width C] [--heads H] [--batch B] [--seq T] [--window K]
 *       [--reference bracket|trigger-return|...]
 *       [--center LR] [--grid 7] [--workers N] [--seed S] [--url URL] [--data DIR] [--out DIR]
 *       [--seconds-per-step S] [--plan] [--fit LR] [--only fixed|all] [--sweep-from results.json]
 *       [--starts fit/9,fit/3,fit*3,fit*9] [key=value ...]
 *
 * Sweeps a 3x-spaced LR grid of fixed-LR runs (AdaLRS off), extends it until the best point
 * (the fit LR) has two grid points each side, then runs AdaLRS from fit/9, fit/3, fit·3 and
 * fit·9 with the same definition and seed. `--fit LR` takes the fit from an earlier sweep (another
 * seed's): only the fixed runs at fit/9, fit/3, fit, fit·3 and fit·9 train as baselines. `--only
 * fixed` trains the baselines alone. `--sweep-from DIR/results.json` reuses the sweep an earlier
 * experiment of the same training and seed recorded (its store may be gone), with its grid and
 * fit; a file of another training is refused. Writes `results.md`, `results.json` and SVG plots to
 * `docs/results/<profile>-<schedule>/` (or `--out`). Runs go through the normal pipeline: a
 * service embedded here (store in `data/experiments/<profile>-<schedule>`, N worker processes)
 * or the one at `--url`. Interrupted? Rerun the same command: finished runs are reused and
 * unfinished ones resume from their checkpoints. `--plan` prints the resolved definition, the
 * AdaLRS runs with their start LRs when the fit is known, and the estimated wall time, and runs
 * nothing. `key=value` arguments set controller settings of the AdaLRS runs
 * (`compare=cooldown`), as in `deno task what-if`.
 *
 * @module
 */

import { backendFlag, parseAdalrsSettings, parseCommandLine, pathExists } from "../src/cli/mod.ts";
import {
  buildReport,
  commandLine,
  estimateSeconds,
  experimentFiles,
  findReusable,
  gitState,
  openService,
  plannedRuns,
  profileDefinition,
  PROFILES,
  type ProfileSize,
  runExperiment,
  sweepFromResults,
  SweepProgress,
  type SweepResult,
  trainingSpan,
  writeFiles,
} from "../src/research/experiment/mod.ts";
import { listRuns, readEvents } from "../src/client/mod.ts";
import { stopOnInterrupt } from "../src/service/mod.ts";
import type { ScheduleKind } from "../src/schedule/mod.ts";
import { ADALRS_DEFAULTS, type ReferenceKind } from "../src/adalrs/mod.ts";
import { REFERENCE_KINDS, type RunDefinition } from "../src/events/mod.ts";

const int = (help: string) => ({ kind: "number", integer: true, min: 1, help }) as const;
const { values, positionals } = parseCommandLine({
  usage: "deno task experiment --profile quick|full --schedule cosine|wsd|constant [--seed S] " +
    "[--fit LR] [--starts fit/9,fit/3,fit*3,fit*9] [--plan] [...] [key=value ...]",
  about: "AdaLRS against an LR grid sweep on real pretraining: a sweep of fixed-LR runs finds " +
    "the fit LR, then AdaLRS runs start at fit/9, fit/3, fit*3 and fit*9. Writes results.md, " +
    "results.json and plots to --out.",
  flags: {
    profile: { kind: "string", choices: Object.keys(PROFILES), default: "quick", help: "sizes" },
    schedule: {
      kind: "string",
      choices: ["cosine", "wsd", "constant"],
      default: "cosine",
      help: "base LR schedule",
    },
    steps: int("training steps [profile's]"),
    layers: int("GPT layers [profile's]"),
    width: int("GPT width [profile's]"),
    heads: int("attention heads [profile's]"),
    batch: int("batch size [profile's]"),
    seq: int("sequence length [profile's]"),
    window: int("AdaLRS window [profile's]"),
    workers: int("worker processes of the embedded service [profile's]"),
    center: { kind: "number", above: 0, help: "centre of the LR grid [profile's]" },
    reference: {
      kind: "string",
      choices: REFERENCE_KINDS,
      default: ADALRS_DEFAULTS.reference,
      help: "sequential trials' reference",
    },
    grid: { kind: "number", integer: true, min: 7, default: 7, help: "initial grid points" },
    seed: { kind: "number", integer: true, min: 0, default: 0, help: "the runs' seed" },
    fit: { kind: "number", above: 0, help: "take the fit LR from another seed's sweep" },
    "sweep-from": { kind: "string", help: "reuse the sweep of an earlier results.json" },
    starts: {
      kind: "string",
      default: "fit/9,fit/3,fit*3,fit*9",
      help: "where AdaLRS runs start",
    },
    only: { kind: "string", choices: ["all", "fixed"], default: "all", help: "fixed: baselines" },
    url: { kind: "string", help: "a running service instead of an embedded one" },
    data: { kind: "string", help: "the embedded store [data/experiments/<name>]" },
    out: { kind: "string", help: "results folder [docs/results/<name>]" },
    backend: backendFlag("the embedded workers' backend"),
    "seconds-per-step": { kind: "number", above: 0, help: "for the time estimate" },
    plan: { kind: "boolean", help: "print the definition and the time estimate; run nothing" },
    "reuse-equivalent": {
      kind: "boolean",
      help: "also reuse AdaLRS runs that other settings decided alike (their losses, refolded, " +
        "give every recorded decision)",
    },
  },
  positionals: { min: 0, max: 30, names: "controller settings, key=value (compare=cooldown)" },
});
let settings: ReturnType<typeof parseAdalrsSettings>;
try {
  settings = parseAdalrsSettings(positionals);
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  Deno.exit(2);
}
const profile = values.profile as keyof typeof PROFILES;
const schedule = values.schedule as ScheduleKind;
const givenFit = values.fit ?? null;
const p: ProfileSize = PROFILES[profile];
const size: ProfileSize = {
  ...p,
  steps: values.steps ?? p.steps,
  layers: values.layers ?? p.layers,
  width: values.width ?? p.width,
  heads: values.heads ?? p.heads,
  batchSize: values.batch ?? p.batchSize,
  sequenceLength: values.seq ?? p.sequenceLength,
  window: values.window ?? p.window,
  center: givenFit ?? values.center ?? p.center,
  workers: values.workers ?? p.workers,
};
const points = values.grid;
const reference = values.reference;
const STARTS: Record<string, number> = { "fit/9": -2, "fit/3": -1, "fit*3": 1, "fit*9": 2 };
// `fit·3`, as the pages write it, works too.
const offsets = values.starts.split(",").map((start) => STARTS[start.trim().replace("·", "*")]);
if (offsets.some((o) => o === undefined)) {
  console.error(`--starts takes some of ${Object.keys(STARTS).join(",")}; got ${values.starts}`);
  Deno.exit(2);
}
const seedSuffix = values.seed === 0 ? "" : `-seed${values.seed}`;
const name = `${profile}-${schedule}${seedSuffix}`;
const outDir = values.out ?? `docs/results/${name}`;
const git = await gitState();
const profileBase = profileDefinition(size, schedule, values.seed);
// Each run records the checkout it was created from; reuse ignores this tag.
const base = {
  ...profileBase,
  tags: { ...profileBase.tags, commit: `${git.commit}${git.dirty ? "+dirty" : ""}` },
  adalrs: { ...profileBase.adalrs, reference: reference as ReferenceKind, ...settings },
};
const secondsPerStep = values["seconds-per-step"] ?? size.secondsPerStep;
const dataDir = values.data ?? `data/experiments/${name}`;
let sweepFile: SweepResult | undefined;
if (values["sweep-from"] !== undefined) {
  // A reused sweep brings its own grid and fit: starts placed around another centre would be
  // labelled fit/9 and compared with baselines that are not at their LR.
  if (givenFit !== null || values.center !== undefined) {
    console.error(
      "error: --sweep-from takes the grid and the fit from its file; leave out --fit and --center",
    );
    Deno.exit(2);
  }
  try {
    sweepFile = sweepFromResults(JSON.parse(await Deno.readTextFile(values["sweep-from"])), base);
  } catch (err) {
    console.error(`error: --sweep-from ${values["sweep-from"]}: ${(err as Error).message}`);
    Deno.exit(2);
  }
}
const grid = sweepFile?.grid ?? { center: size.center, spacing: 3 };
const only = values.only as "fixed" | "all";
// With the fit known (given, or from a reused sweep) every run is known; a sweep grows as it goes.
const fitIndex = sweepFile?.fit?.index ?? (givenFit === null ? null : 0);
const known = fitIndex === null
  ? null
  : plannedRuns({ base, grid, tag: name, offsets, only, sweep: sweepFile }, fitIndex);
// Runs this invocation trains or waits on: none of the sweep's when it comes from a file.
let sweepRuns = known?.fixed.length ?? points;
let adalrsRuns = known?.adalrs.length ?? (only === "fixed" ? 0 : offsets.length);
let held = "";
if (values.plan && known !== null && (values.url ?? pathExists(`${dataDir}/adalrs.kv`))) {
  // `--plan` leaves out the runs the store already holds finished.
  const service = await openService({
    url: values.url,
    dataDir,
    workers: 0,
    parallelRuns: 0,
    backend: values.backend,
  });
  const existing = await listRuns(service);
  await service.close();
  const left = (ds: RunDefinition[]) =>
    ds.filter((d) => findReusable(existing, d)?.status !== "completed").length;
  const total = sweepRuns + adalrsRuns;
  sweepRuns = left(known.fixed);
  adalrsRuns = left(known.adalrs);
  held = `; ${total - sweepRuns - adalrsRuns} of ${total} already finished in ${
    values.url ?? dataDir
  }`;
}
const estimate = estimateSeconds({
  sweepRuns,
  adalrsRuns,
  steps: size.steps,
  secondsPerStep,
  workers: size.workers,
});
if (values.plan) {
  console.log(JSON.stringify({ profile, schedule, size, points, base }, null, 2));
  for (const d of known?.adalrs ?? []) console.log(d.name);
  console.log(
    `${sweepRuns} + ${adalrsRuns} runs of ${size.steps} steps on ${size.workers} workers: ~${
      (estimate / 60).toFixed(0)
    } min at ${secondsPerStep} s a step${held}`,
  );
  Deno.exit(0);
}
const command = commandLine("experiment", Deno.args);
const service = await openService({
  url: values.url,
  dataDir,
  workers: size.workers,
  parallelRuns: points,
  backend: values.backend,
});
stopOnInterrupt(service);
console.error(
  `${name}: ${
    values["sweep-from"] === undefined
      ? `${sweepRuns}-point ${givenFit === null ? "sweep" : "baseline"}`
      : `the sweep of ${values["sweep-from"]}`
  } + ${adalrsRuns} AdaLRS runs of ${size.steps} steps on ${service.url}` +
    `${service.embedded ? ` (embedded, ${service.workers} workers)` : ""}; estimated ${
      (estimate / 60).toFixed(0)
    } min at ${secondsPerStep} s a step (--seconds-per-step), more if the grid grows`,
);

const progress = new SweepProgress({
  expectedRuns: sweepRuns + adalrsRuns,
});
const outcome = await runExperiment(service, {
  base,
  grid,
  points,
  tag: name,
  progress,
  offsets,
  fit: givenFit === null ? "sweep" : "given",
  only,
  equivalent: values["reuse-equivalent"],
  sweep: sweepFile,
});
progress.done();
if (only === "fixed") {
  for (const r of outcome.sweep.runs) {
    console.log(`${r.label}: final validation loss ${r.finalValLoss.toFixed(4)} (${r.status})`);
  }
  await service.close();
  Deno.exit(0);
}
const report = buildReport(outcome, {
  profile,
  schedule,
  command,
  ...git,
  ...trainingSpan([...outcome.sweep.runs, ...outcome.adalrs]),
  definition: base,
  workers: size.workers,
  fitGiven: givenFit !== null,
});

const files = await experimentFiles(report, (id) => readEvents(service, id));
await writeFiles(outDir, files);
await service.close();
console.log(files.get("results.md"));
console.log(`written to ${outDir}/: ${[...files.keys()].join(", ")}`);
Deno.exit(0);
