/**
 * The timings that used to be wall-clock limits inside tests, measured here instead, where a
 * slow or busy machine makes a number, not a failure:
 *
 * - `GET /v1/runs/{id}/curves?max=2000` of a run with `--steps` losses (first and cached read);
 * - `parseJson()` refusing a 256 KiB malformed body full of escaped quotes (it was quadratic).
 *
 * The tests keep asserting what the answers are; this says how long they take.
 *
 *     deno task bench:timing [--steps 100000] [--repeat 5] [--out FILE]
 *
 * @module
 */

import { parseJson } from "../../src/api/body.ts";
import { createApp } from "../../src/api/mod.ts";
import { parseCommandLine } from "../../src/cli/mod.ts";
import { EventStore } from "../../src/events/mod.ts";
import { longExternalRun } from "./_long_run.ts";

const { values } = parseCommandLine({
  usage: "deno task bench:timing [--steps 100000] [--repeat 5] [--out FILE]",
  about: "Times the curves of a long run and the malformed-JSON path, which tests only check " +
    "for their answers; prints milliseconds (median of --repeat) as JSON.",
  flags: {
    steps: { kind: "number", integer: true, min: 100, default: 100_000, help: "the run's steps" },
    repeat: { kind: "number", integer: true, min: 1, default: 5, help: "timed repetitions" },
    out: { kind: "string", help: "also write the JSON to this file" },
  },
});

/** Median milliseconds of `repeat` calls of `fn`. */
async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < values.repeat; i++) {
    const started = performance.now();
    await fn();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  return Number(ms[Math.floor(ms.length / 2)].toFixed(1));
}

const store = new EventStore(await Deno.openKv(":memory:"));
const app = createApp(store);
const run = { id: await longExternalRun(store, values.steps) };

const curves = async () => {
  const res = await app.request(`/v1/runs/${run.id}/curves?max=2000`);
  if (!res.ok) throw new Error(`curves: ${res.status}`);
  await res.json();
};
// The first read folds the whole log; later ones reuse the route's cache.
const firstStarted = performance.now();
await curves();
const curvesFirstMs = Number((performance.now() - firstStarted).toFixed(1));
const curvesCachedMs = await time(curves);

const malformed = "{" + '"\\'.repeat(128 * 1024 - 1);
const malformedJsonMs = await time(() => {
  try {
    parseJson(malformed, "losses", "losses");
  } catch {
    // Refused, as it must be: the time to refuse is what is measured.
  }
});
store.kv.close();

const report = {
  steps: values.steps,
  repeat: values.repeat,
  curvesFirstMs,
  curvesCachedMs,
  malformedJsonMs,
};
const text = JSON.stringify(report, null, 2);
console.log(text);
if (values.out) await Deno.writeTextFile(values.out, text + "\n");
