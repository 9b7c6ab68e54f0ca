/**
 * AdaLRS against an LR grid sweep, on real pretraining:
 *
 *     deno task experiment --profile quick|full --schedule cosine|wsd|constant
 *       [--steps N] [--layers L] [--width C] [--heads H] [--batch B] [--seq T] [--window K]
 *       [--reference bracket|trigger-return|...]
 *       [--center LR] [--grid 7] [--workers N] [--seed S] [--url URL] [--data DIR] [--out DIR]
 *       [--seconds-per-step S] [--plan] [--fit LR] [--only fixed|all] [--sweep-from results.json]
 *       [--starts fit/9,fit/3,fit*3,fit*9]
 *
 * Sweeps a 3x-spaced LR grid of fixed-LR runs (AdaLRS off), extends it until the best point
 * (the fit LR) has two grid points each side, then runs AdaLRS from fit/9, fit/3, fit·3 and
 * fit·9 with the same definition and seed. `--fit LR` takes the fit from an earlier sweep (another
 * seed's): only the fixed runs at fit/9, fit/3, fit, fit·3 and fit·9 train as baselines. `--only
 * fixed` trains the baselines alone. `--sweep-from DIR/results.json` reuses the sweep an earlier
 * experiment of the same definition and seed recorded (its store may be gone). Writes `results.md`, `results.json` and SVG plots to
 * `docs/results/<profile>-<schedule>/` (or `--out`). Runs go through the normal pipeline: a
 * service embedded here (store in `data/experiments/<profile>-<schedule>`, N worker processes)
 * or the one at `--url`. Interrupted? Rerun the same command: finished runs are reused and
 * unfinished ones resume from their checkpoints. `--plan` prints the resolved definition and the
 * estimated wall time, and runs nothing.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  buildReport,
  commandLine,
  estimateSeconds,
  experimentFiles,
  gitState,
  openService,
  profileDefinition,
  PROFILES,
  type ProfileSize,
  runExperiment,
  sweepFromResults,
  SweepProgress,
  trainingSpan,
  writeFiles,
} from "../src/experiment/mod.ts";
import { readEvents, stopOnInterrupt } from "../src/client/mod.ts";
import type { ScheduleKind } from "../src/schedule/mod.ts";
import { ADALRS_DEFAULTS, type ReferenceKind } from "../src/adalrs/mod.ts";
import { REFERENCE_KINDS } from "../src/events/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    profile: { type: "string", default: "quick" },
    schedule: { type: "string", default: "cosine" },
    steps: { type: "string" },
    layers: { type: "string" },
    width: { type: "string" },
    heads: { type: "string" },
    batch: { type: "string" },
    seq: { type: "string" },
    window: { type: "string" },
    reference: { type: "string" },
    center: { type: "string" },
    workers: { type: "string" },
    grid: { type: "string", default: "7" },
    seed: { type: "string", default: "0" },
    url: { type: "string" },
    data: { type: "string" },
    out: { type: "string" },
    backend: { type: "string", default: Deno.env.get("ADALRS_BACKEND") ?? "wasm" },
    "seconds-per-step": { type: "string" },
    plan: { type: "boolean", default: false },
    fit: { type: "string" },
    "sweep-from": { type: "string" },
    starts: { type: "string", default: "fit/9,fit/3,fit*3,fit*9" },
    only: { type: "string", default: "all" },
  },
});
const profile = values.profile as keyof typeof PROFILES;
const schedule = values.schedule as ScheduleKind;
if (!(profile in PROFILES) || !["cosine", "wsd", "constant"].includes(schedule)) {
  console.error("usage: deno task experiment --profile quick|full --schedule cosine|wsd|constant");
  Deno.exit(2);
}
const givenFit = values.fit === undefined ? null : Number(values.fit);
if (givenFit !== null && !(givenFit > 0)) {
  console.error(`--fit must be a positive learning rate, got ${values.fit}`);
  Deno.exit(2);
}
const num = (v: string | undefined, fallback: number) => v === undefined ? fallback : Number(v);
const p: ProfileSize = PROFILES[profile];
const size: ProfileSize = {
  ...p,
  steps: num(values.steps, p.steps),
  layers: num(values.layers, p.layers),
  width: num(values.width, p.width),
  heads: num(values.heads, p.heads),
  batchSize: num(values.batch, p.batchSize),
  sequenceLength: num(values.seq, p.sequenceLength),
  window: num(values.window, p.window),
  center: givenFit ?? num(values.center, p.center),
  workers: num(values.workers, p.workers),
};
const bad = Object.entries(size).filter(([, v]) => !(typeof v === "number" && v > 0));
if (bad.length) {
  console.error(
    `Sizes must be positive numbers; got ${bad.map(([k, v]) => `${k} ${v}`).join(", ")}`,
  );
  Deno.exit(2);
}
const points = Number(values.grid);
if (!(points >= 7)) {
  console.error(`--grid must be at least 7 points, got ${values.grid}`);
  Deno.exit(2);
}
const reference = values.reference ?? ADALRS_DEFAULTS.reference;
if (!(REFERENCE_KINDS as readonly string[]).includes(reference)) {
  console.error(`--reference must be one of ${REFERENCE_KINDS.join(", ")}; got ${reference}`);
  Deno.exit(2);
}
if (values.only !== "all" && values.only !== "fixed") {
  console.error(`--only must be fixed or all, got ${values.only}`);
  Deno.exit(2);
}
const STARTS: Record<string, number> = { "fit/9": -2, "fit/3": -1, "fit*3": 1, "fit*9": 2 };
// `fit·3`, as the pages write it, works too.
const offsets = values.starts.split(",").map((start) => STARTS[start.trim().replace("·", "*")]);
if (offsets.some((o) => o === undefined)) {
  console.error(`--starts takes some of ${Object.keys(STARTS).join(",")}; got ${values.starts}`);
  Deno.exit(2);
}
const seedSuffix = values.seed === "0" ? "" : `-seed${values.seed}`;
const name = `${profile}-${schedule}${seedSuffix}`;
const outDir = values.out ?? `docs/results/${name}`;
const git = await gitState();
const profileBase = profileDefinition(size, schedule, Number(values.seed));
// Each run records the checkout it was created from; reuse ignores this tag.
const base = {
  ...profileBase,
  tags: { ...profileBase.tags, commit: `${git.commit}${git.dirty ? "+dirty" : ""}` },
  adalrs: { ...profileBase.adalrs, reference: reference as ReferenceKind },
};
const secondsPerStep = num(values["seconds-per-step"], size.secondsPerStep);
const sweepRuns = givenFit === null ? points : new Set([0, ...offsets]).size;
const adalrsRuns = values.only === "fixed" ? 0 : offsets.length;
const estimate = estimateSeconds({
  sweepRuns,
  adalrsRuns: adalrsRuns,
  steps: size.steps,
  secondsPerStep,
  workers: size.workers,
});
if (values.plan) {
  console.log(JSON.stringify({ profile, schedule, size, points, base }, null, 2));
  console.log(
    `${sweepRuns} + ${adalrsRuns} runs of ${size.steps} steps on ${size.workers} workers: ~${
      (estimate / 60).toFixed(0)
    } min at ${secondsPerStep} s a step`,
  );
  Deno.exit(0);
}
const command = commandLine("experiment", Deno.args);
const service = await openService({
  url: values.url,
  dataDir: values.data ?? `data/experiments/${name}`,
  workers: size.workers,
  parallelRuns: points,
  backend: values.backend,
});
stopOnInterrupt(service);
console.error(
  `${name}: ${sweepRuns}-point ${
    givenFit === null ? "sweep" : "baseline"
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
  grid: { center: size.center, spacing: 3 },
  points,
  tag: name,
  progress,
  offsets,
  fit: givenFit === null ? "sweep" : "given",
  only: values.only,
  sweep: values["sweep-from"] === undefined
    ? undefined
    : sweepFromResults(JSON.parse(await Deno.readTextFile(values["sweep-from"]))),
});
progress.done();
if (values.only === "fixed") {
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
