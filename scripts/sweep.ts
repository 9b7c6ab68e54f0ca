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

import { parseArgs } from "node:util";
import { stopOnInterrupt } from "../src/client/mod.ts";
import { RunDefinitionSchema } from "../src/events/mod.ts";
import {
  commandLine,
  gitState,
  lossVsLrPlot,
  openService,
  runSweep,
  SweepProgress,
} from "../src/experiment/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    grid: { type: "string", default: "7" },
    spacing: { type: "string", default: "3" },
    center: { type: "string" },
    margin: { type: "string", default: "1" },
    workers: { type: "string" },
    url: { type: "string" },
    data: { type: "string", default: "data/sweep" },
    out: { type: "string" },
    backend: { type: "string", default: Deno.env.get("ADALRS_BACKEND") ?? "wasm" },
  },
});
if (positionals.length !== 1) {
  console.error(
    "usage: deno task sweep <run.json> [--grid 7] [--spacing 3] [--center LR] [--workers N]",
  );
  Deno.exit(2);
}
const parsed = RunDefinitionSchema.safeParse(JSON.parse(await Deno.readTextFile(positionals[0])));
if (!parsed.success) {
  console.error(`${positionals[0]} is not a valid run definition:`);
  for (const i of parsed.error.issues) {
    console.error(`  ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  Deno.exit(2);
}
const git = await gitState();
// Each run records the checkout it was created from; reuse ignores this tag.
const base = {
  ...parsed.data,
  tags: { ...parsed.data.tags, commit: `${git.commit}${git.dirty ? "+dirty" : ""}` },
};
const points = Number(values.grid);
const spacing = Number(values.spacing);
const center = values.center === undefined ? base.optimizer.lr : Number(values.center);
const margin = Number(values.margin);
if (!(points >= 3) || !(spacing > 1) || !(center > 0) || !(margin >= 0)) {
  console.error("--grid must be >= 3, --spacing > 1, --center > 0 and --margin >= 0");
  Deno.exit(2);
}
if (base.mode !== "managed" || !base.model) {
  console.error("A sweep trains its runs here: the definition must be a managed run with a model");
  Deno.exit(2);
}

const started = Date.now();
const service = await openService({
  url: values.url,
  dataDir: values.data,
  workers: values.workers === undefined ? undefined : Number(values.workers),
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
