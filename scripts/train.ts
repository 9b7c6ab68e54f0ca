/**
 * Train a run from a definition file, watching it live:
 *
 *     deno task train examples/moby-small-lr.json [--url http://127.0.0.1:8000] [--plot out.svg]
 *
 * Submits to the service at `--url` when one answers there; otherwise runs the service embedded
 * (store in `--data`, one worker process on `--backend`, default wasm). Shows a progress bar
 * (step, loss, val loss, the LR in use, tokens/s for a GPT or steps/s, ETA) and each LR decision
 * as it happens; Ctrl-C cancels the run. Ends with a summary and an SVG plot of loss and LR with
 * the decisions marked.
 *
 * @module
 */

import { dirname } from "node:path";
import { decodeLoss } from "../src/adalrs/mod.ts";
import { backendFlag, parseCommandLine, readDefinitionFile } from "../src/cli/mod.ts";
import { createRun, getRun } from "../src/client/mod.ts";
import { connectService, startEmbedded } from "../src/service/mod.ts";
import type { RunEvent, RunView } from "../src/events/mod.ts";
import { plotSvg, runCurves } from "../src/replay/mod.ts";
import { Progress } from "./_progress.ts";
import { followEvents } from "./_sse.ts";

const { values, positionals } = parseCommandLine({
  usage: "deno task train <run.json> [--url URL] [--data DIR] [--plot FILE.svg]",
  about: "Trains a run definition with a live progress bar, each LR decision as it happens, a " +
    "summary and an SVG plot. Uses the service at --url when one answers there; otherwise runs " +
    "the service embedded with one worker (store in --data). Ctrl-C cancels the run.",
  positionals: { min: 1, max: 1, names: "a run definition file, e.g. examples/moby-small-lr.json" },
  flags: {
    url: { kind: "string", default: "http://127.0.0.1:8000", help: "a running service" },
    data: { kind: "string", default: "data", help: "store folder when embedded" },
    plot: {
      kind: "string",
      help: "the SVG [default: <data>/plots/<run>.svg embedded, ./<run>.svg on a service]",
    },
    backend: backendFlag("tfjs backend when embedded"),
  },
});
const definition = await readDefinitionFile(positionals[0]);
const service = await connectService(values.url).catch(() =>
  startEmbedded({ dataDir: values.data, workers: 1, backend: values.backend })
);
const run = await createRun(service, definition);
console.error(
  `run ${run.id} (${run.name}) on ${service.url}${service.embedded ? " (embedded)" : ""}`,
);

let cancelling = false;
Deno.addSignalListener("SIGINT", () => {
  if (cancelling) Deno.exit(130);
  cancelling = true;
  console.error("\ncancelling… (Ctrl-C again to quit now)");
  fetch(`${service.url}/v1/runs/${run.id}/cancel`, {
    method: "POST",
    headers: { ...service.headers, "content-type": "application/json" },
    body: "{}",
  });
});

const events: RunEvent[] = [];
const progress = new Progress(run.definition);
for await (const event of followEvents(`${service.url}/v1/runs/${run.id}/events/stream`)) {
  events.push(event);
  progress.update(event);
}
progress.done();
const final = await getRun(service, run.id);
summarise(final, events);
// A run on another service has nothing to do with this machine's --data folder.
const plotFile = values.plot ??
  (service.embedded ? `${values.data}/plots/${run.id}.svg` : `${run.id}.svg`);
await Deno.mkdir(dirname(plotFile), { recursive: true });
await Deno.writeTextFile(plotFile, plotSvg(runCurves(events), `${final.name} (${final.id})`));
console.log(`plot: ${plotFile}`);
await service.close();
Deno.exit(final.status === "completed" ? 0 : 1);

function summarise(view: RunView, events: RunEvent[]): void {
  const rules = new Map<string, number>();
  for (const e of events) {
    if (e.type === "LrDecided") {
      rules.set(e.data.decision.rule, (rules.get(e.data.decision.rule) ?? 0) + 1);
    }
  }
  const val = view.lastValLoss === null ? "—" : decodeLoss(view.lastValLoss).toFixed(4);
  console.log(
    `\n${view.status}: ${view.progress.step}/${view.progress.totalSteps} steps, final val loss ${val}`,
  );
  console.log(
    `LR ${view.definition.optimizer.lr.toExponential(2)} → multiplier ${
      view.multiplier.toPrecision(4)
    } (peak ${(view.multiplier * view.definition.optimizer.lr).toExponential(2)})`,
  );
  console.log(`decisions: ${[...rules].map(([rule, n]) => `${rule} ${n}`).join(", ")}`);
  if (view.reason) console.log(`reason: ${view.reason}`);
}
