/**
 * Train a run from a definition file, watching it live:
 *
 *     deno task train examples/moby-small-lr.json [--url http://127.0.0.1:8000] [--plot out.svg]
 *
 * Submits to the service at `--url` when one answers there; otherwise runs the service embedded
 * (store in `--data`, one worker process on `--backend`, default wasm). Shows a progress bar
 * (step, loss, val loss, LR, tokens/s, ETA) and each LR decision as it happens; Ctrl-C cancels
 * the run. Ends with a summary and an SVG plot of loss and LR with the decisions marked.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { decodeLoss } from "../src/adalrs/mod.ts";
import { connectService, createRun, getRun, startEmbedded } from "../src/client/mod.ts";
import { RunDefinitionSchema, type RunEvent, type RunView } from "../src/events/mod.ts";
import { plotSvg, runCurves } from "../src/replay/mod.ts";
import { BACKEND_NAMES, parseBackendName } from "../src/train/backend_name.ts";
import { Progress } from "./_progress.ts";
import { followEvents } from "./_sse.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    url: { type: "string", default: "http://127.0.0.1:8000" },
    data: { type: "string", default: "data" },
    plot: { type: "string" },
    backend: { type: "string", default: Deno.env.get("ADALRS_BACKEND") ?? "wasm" },
  },
});
if (positionals.length !== 1) {
  console.error(
    "usage: deno task train <run.json> [--url URL] [--data DIR] [--plot FILE.svg] " +
      `[--backend ${BACKEND_NAMES.join("|")}]`,
  );
  Deno.exit(2);
}
try {
  parseBackendName(values.backend); // before an embedded worker would fail on it
} catch (error) {
  console.error(`--backend: ${(error as Error).message}`);
  Deno.exit(2);
}

const definition = RunDefinitionSchema.safeParse(
  JSON.parse(await Deno.readTextFile(positionals[0])),
);
if (!definition.success) {
  console.error(`${positionals[0]} is not a valid run definition:`);
  for (const i of definition.error.issues) {
    console.error(`  ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  Deno.exit(2);
}
const service = await connectService(values.url).catch(() =>
  startEmbedded({ dataDir: values.data, workers: 1, backend: values.backend })
);
const run = await createRun(service, definition.data);
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
const progress = new Progress(run.definition.training.steps, run.lr);
for await (const event of followEvents(`${service.url}/v1/runs/${run.id}/events/stream`)) {
  events.push(event);
  progress.update(event);
}
progress.done();
const final = await getRun(service, run.id);
summarise(final, events);
const plotFile = values.plot ?? `${values.data}/plots/${run.id}.svg`;
await Deno.mkdir(plotFile.replace(/\/[^/]*$/, "") || ".", { recursive: true });
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
