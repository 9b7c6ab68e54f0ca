/**
 * A screenshot of a run's dashboard page (for the README), in headless Chromium:
 *
 *     deno run -A scripts/screenshot.ts [--run ID] [--data data] [--kv PATH]
 *       [--out docs/screenshots/run-page.png] [--chromium /usr/bin/chromium]
 *
 * With `--run`, serves the dashboard over the store in `--data` (or `--kv`) and shoots that run;
 * the service may be running on the same store. Without it, trains a demo run first: the
 * synthetic example started 10x below its optimum LR, in a temporary store with one worker.
 * The picture shows the curves, the decision markers and the evidence of the first accepted trial.
 *
 * @module
 */

import { dirname } from "node:path";
import { parseCommandLine } from "../src/cli/mod.ts";
import { CHROMIUM_PATH } from "./setup.ts";
import { chromium } from "playwright-core";
import { createApp } from "../src/api/mod.ts";
import { EventStore, isTerminal, RunDefinitionSchema } from "../src/events/mod.ts";
import { spawnWorker } from "../workers/spawn.ts";

const { values } = parseCommandLine({
  usage: "deno task screenshot [--run ID --data DIR] [--out FILE.png]",
  about: "A PNG of a run's dashboard page in headless Chromium. Without --run, trains a tiny " +
    "synthetic demo run (10x below its optimum LR) in a temporary store first.",
  flags: {
    run: { kind: "string", help: "the run to shoot [default: a demo run]" },
    data: { kind: "string", default: "data", help: "the store's folder" },
    kv: { kind: "string", help: "the KV file instead of <data>/adalrs.kv" },
    out: { kind: "string", default: "docs/screenshots/run-page.png", help: "the PNG" },
    chromium: { kind: "string", default: CHROMIUM_PATH, help: "the browser" },
  },
});

/** Trains the demo run in a temporary store; returns the store's path and the run's id. */
async function trainDemo(): Promise<{ kvPath: string; runId: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-screenshot-" });
  const kvPath = `${dir}/adalrs.kv`;
  const store = new EventStore(await Deno.openKv(kvPath));
  const example = new URL("../examples/synthetic-small-lr.json", import.meta.url);
  const raw = JSON.parse(await Deno.readTextFile(example));
  const definition = RunDefinitionSchema.parse({
    ...raw,
    model: { ...raw.model, stepDelayMs: 0 },
  });
  const view = await store.create(definition);
  const worker = spawnWorker({ kvPath, id: "screenshot", pollMs: 50, output: "null" });
  console.log(`training ${view.id} (${definition.name})…`);
  for (;;) {
    const now = await store.get(view.id);
    if (now && isTerminal(now.status)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  worker.kill("SIGTERM");
  await worker.status;
  store.kv.close();
  return { kvPath, runId: view.id, dir };
}

const demo = values.run ? null : await trainDemo();
const kvPath = demo?.kvPath ?? values.kv ?? `${values.data}/adalrs.kv`;
const runId = demo?.runId ?? values.run!;
const store = new EventStore(await Deno.openKv(kvPath));
if (!(await store.get(runId))) {
  console.error(`No run ${runId} in ${kvPath}`);
  Deno.exit(1);
}
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  createApp(store).fetch,
);
const profile = await Deno.makeTempDir({ prefix: "adalrs-chromium-" });
const context = await chromium.launchPersistentContext(profile, {
  executablePath: values.chromium,
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
  viewport: { width: 1280, height: 1000 },
});
try {
  const page = context.pages()[0] ?? await context.newPage();
  await page.goto(`http://127.0.0.1:${server.addr.port}/runs/${runId}`);
  await page.locator("#run-summary dd").first().waitFor();
  const markers = page.locator("button.marker");
  await markers.first().waitFor({ timeout: 10_000 }).catch(() => {});
  const accepted = page.locator('button.marker[data-rule="trial-accept"]');
  const chosen = (await accepted.count()) > 0 ? accepted.first() : markers.first();
  if ((await chosen.count()) > 0) await chosen.click();
  await page.mouse.move(0, 0);
  // The charts with the evidence beside them: the top of the page down to their bottom.
  const box = await page.locator(".charts-evidence").boundingBox();
  const height = Math.ceil((box?.y ?? 1000) + (box?.height ?? 0) + 16);
  await Deno.mkdir(dirname(values.out), { recursive: true });
  await page.screenshot({
    path: values.out,
    fullPage: true,
    clip: { x: 0, y: 0, width: 1280, height },
  });
  console.log(`wrote ${values.out} (run ${runId})`);
} finally {
  await context.close();
  await server.shutdown();
  store.kv.close();
  await Deno.remove(profile, { recursive: true });
  if (demo) await Deno.remove(demo.dir, { recursive: true });
}
