/**
 * A fixed-LR grid sweep of a run definition, through the normal pipeline:
 *
 *     deno task sweep <run.json> [--grid 7] [--spacing 3] [--center LR] [--margin 1]
 *       [--workers N] [--url URL] [--data DIR] [--out DIR] [--backend wasm]
 *
 * Runs the definition at `grid` log-spaced peak LRs around `center` (default: its own
 * `optimizer.lr`), AdaLRS off, as managed runs on a service embedded here (store in `--data`,
 * N worker processes) or the one at `--url`. While the best point lacks `margin` neighbours on
 * either side, the grid grows there. Prints each run's final validation loss and the best, the
 * "fit LR"; writes `sweep.json` and `sweep.svg` (final loss against LR) to `--out`. A rerun of
 * the same command reuses the finished runs.
 *
 * @module
 */

import { backendFlag, parseCommandLine, readDefinitionFile } from "../src/cli/mod.ts";
import { stopOnInterrupt } from "../src/service/mod.ts";
import {
  commandLine,
  gitState,
  lossVsLrPlot,
  openService,
  runSweep,
  SweepProgress,
} from "../src/research/experiment/mod.ts";

const { values, positionals } = parseCommandLine({
  usage: "deno task sweep <run.json> [--grid 7] [--spacing 3] [--center LR] [--workers N] " +
    "[--url URL]",
  about: "A fixed-LR grid sweep of a run definition (AdaLRS off), grown at its edges until the " +
    "best point has --margin neighbours on each side; prints the fit LR.",
  positionals: { min: 1, max: 1, names: "a run definition file" },
  flags: {
    grid: { kind: "number", integer: true, min: 3, default: 7, help: "LRs in the first grid" },
    spacing: { kind: "number", above: 1, default: 3, help: "ratio between neighbouring LRs" },
    center: { kind: "number", above: 0, help: "the grid's centre [default: optimizer.lr]" },
    margin: { kind: "number", integer: true, min: 0, default: 1, help: "neighbours required" },
    workers: { kind: "number", integer: true, min: 1, help: "worker processes when embedded" },
    url: { kind: "string", help: "a running service [default: embedded]" },
    data: { kind: "string", default: "data/sweep", help: "store folder when embedded" },
    out: { kind: "string", help: "folder for sweep.json and sweep.svg" },
    backend: backendFlag("tfjs backend"),
  },
});
const definition = await readDefinitionFile(positionals[0]);
const git = await gitState();
// Each run records the checkout it was created from; reuse ignores this tag.
const base = {
  ...definition,
  tags: { ...definition.tags, commit: `${git.commit}${git.dirty ? "+dirty" : ""}` },
};
const points = values.grid;
const spacing = values.spacing;
const center = values.center ?? base.optimizer.lr;
const margin = values.margin;
if (base.mode !== "managed" || !base.model) {
  console.error("A sweep trains its runs here: the definition must be a managed run with a model");
  Deno.exit(2);
}

const started = Date.now();
const service = await openService({
  url: values.url,
  dataDir: values.data,
  workers: values.workers,
  parallelRuns: points,
  backend: values.backend,
});
stopOnInterrupt(service);
console.error(
  `sweep of ${base.name}: ${points} LRs ${spacing}x apart around ${center.toExponential(2)}, ` +
    `on ${service.url}${service.embedded ? ` (embedded, ${service.workers} workers)` : ""}`,
);
const progress = new SweepProgress({ expectedRuns: points });
const sweep = await runSweep(service, {
  base,
  grid: { center, spacing },
  points,
  margin,
  tag: base.name,
  progress,
});
progress.done();
await service.close();

console.log("\n| LR | final val loss | status | tokens | wall |\n| --- | --- | --- | --- | --- |");
for (const r of sweep.runs) {
  const best = r === sweep.fit ? " **best**" : "";
  const loss = Number.isFinite(r.finalValLoss) ? r.finalValLoss.toFixed(4) : String(r.finalValLoss);
  console.log(
    `| ${r.startLr.toExponential(2)} | ${loss}${best} | ${r.status} | ${r.tokens} | ${
      r.wallSeconds.toFixed(0)
    } s |`,
  );
}
const tokens = sweep.runs.reduce((sum, r) => sum + r.tokens, 0);
console.log(
  sweep.fit
    ? `\nfit LR ${sweep.fit.startLr.toExponential(3)} (final val loss ${
      sweep.fit.finalValLoss.toFixed(4)
    }); ${sweep.runs.length} runs, ${tokens} training tokens, ${
      ((Date.now() - started) / 1000).toFixed(0)
    } s`
    : "\nno fit LR: every run diverged or failed",
);
if (sweep.extended.length) {
  console.log(`the grid grew by ${sweep.extended.length} point(s) beyond its edge`);
}
if (values.out) {
  await Deno.mkdir(values.out, { recursive: true });
  const record = {
    command: commandLine("sweep", Deno.args),
    ...git,
    definition: base,
    ...sweep,
  };
  const json = JSON.stringify(
    record,
    (_k, v) => typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
    2,
  );
  await Deno.writeTextFile(`${values.out}/sweep.json`, json + "\n");
  await Deno.writeTextFile(
    `${values.out}/sweep.svg`,
    lossVsLrPlot({
      title: `Final validation loss against LR: ${base.name}`,
      spacing,
      sweep: sweep.runs,
      fitIndex: sweep.fit?.index ?? null,
    }),
  );
  console.log(`written: ${values.out}/sweep.json, ${values.out}/sweep.svg`);
}
Deno.exit(sweep.fit ? 0 : 1);
