/**
 * Benchmarks of the controller path: the reducer's throughput, the event store's append rate,
 * and the latency of `POST /v1/runs/{id}/losses` over loopback. Prints a table and writes
 * `docs/bench/service.json`.
 *
 *     deno task bench:service [--windows 2000] [--posts 1000]
 *
 * @module
 */

import { parseCommandLine } from "../../src/cli/mod.ts";
import {
  ADALRS_DEFAULTS,
  encodeLoss,
  evolve,
  initialState,
  type LossValue,
} from "../../src/adalrs/mod.ts";
import { createApp } from "../../src/api/mod.ts";
import {
  controllerSetup,
  EventStore,
  recordRunLosses,
  RunDefinitionSchema,
} from "../../src/events/mod.ts";
import { SYNTHETIC_DEFAULTS, syntheticStart, syntheticStep } from "../../src/synthetic/mod.ts";

const { values } = parseCommandLine({
  usage: "deno task bench:service [--windows 2000] [--posts 1000]",
  about: "Controller throughput, event-store appends and POST losses latency on loopback; " +
    "writes --out.",
  flags: {
    windows: { kind: "number", integer: true, min: 1, default: 2000, help: "windows appended" },
    posts: { kind: "number", integer: true, min: 1, default: 1000, help: "timed HTTP posts" },
    out: { kind: "string", default: "docs/bench/service.json", help: "where to write results" },
  },
});
const { windows, posts } = values;
const k = ADALRS_DEFAULTS.window;
const definition = RunDefinitionSchema.parse({
  mode: "external",
  training: { steps: (windows + posts) * k },
  optimizer: { lr: 1e-4 },
  adalrs: { window: k },
});
const losses = syntheticLosses(definition.training.steps);

// 1. The reducer alone: every loss of every window, with decisions, no I/O.
let state = initialState(controllerSetup(definition));
let t0 = performance.now();
for (let w = 0; w < windows; w++) {
  state = evolve(state, losses.slice(w * k, (w + 1) * k));
}
const reducerMs = performance.now() - t0;

// 2. The store: each window and its decision appended in one atomic commit, to a KV file.
const dir = await Deno.makeTempDir({ prefix: "adalrs-bench-" });
const store = new EventStore(await Deno.openKv(`${dir}/bench.kv`));
const run = await store.create(definition);
t0 = performance.now();
for (let w = 0; w < windows; w++) {
  const batch = { fromStep: w * k, losses: losses.slice(w * k, (w + 1) * k) };
  const out = await recordRunLosses(store, run.id, batch, { mode: "external" });
  if (!out.ok) throw new Error(out.error.message);
}
const storeMs = performance.now() - t0;

// 3. HTTP: one window per POST over loopback, one client, idempotency keys on.
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  createApp(store).fetch,
);
const url = `http://127.0.0.1:${server.addr.port}/v1/runs/${run.id}/losses`;
const latencies: number[] = [];
for (let p = 0; p < posts; p++) {
  const fromStep = (windows + p) * k;
  const body = JSON.stringify({
    fromStep,
    losses: losses.slice(fromStep, fromStep + k),
    idempotencyKey: `p${p}`,
  });
  const start = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`POST ${p}: ${res.status}`);
  latencies.push(performance.now() - start);
}
await server.shutdown();
store.kv.close();
await Deno.remove(dir, { recursive: true });

latencies.sort((a, b) => a - b);
const quantile = (q: number) =>
  latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
const result = {
  at: new Date().toISOString(),
  command: `deno task bench:service --windows ${windows} --posts ${posts}`,
  window: k,
  reducer: {
    lossesPerSecond: (windows * k) / (reducerMs / 1000),
    msPerWindow: reducerMs / windows,
  },
  store: { appendsPerSecond: windows / (storeMs / 1000), msPerWindow: storeMs / windows },
  http: {
    posts,
    p50Ms: quantile(0.5),
    p99Ms: quantile(0.99),
    meanMs: latencies.reduce((a, b) => a + b) / posts,
  },
};
console.log(
  `reducer: ${Math.round(result.reducer.lossesPerSecond).toLocaleString()} losses/s (${
    result.reducer.msPerWindow.toFixed(4)
  } ms per ${k}-loss window)`,
);
console.log(
  `store:   ${Math.round(result.store.appendsPerSecond)} window appends/s to a KV file (${
    result.store.msPerWindow.toFixed(2)
  } ms each, decision included)`,
);
console.log(
  `http:    POST losses p50 ${result.http.p50Ms.toFixed(2)} ms, p99 ${
    result.http.p99Ms.toFixed(2)
  } ms over ${posts} windows on loopback`,
);
await Deno.mkdir(values.out.replace(/\/[^/]*$/, ""), { recursive: true });
await Deno.writeTextFile(values.out, JSON.stringify(result, null, 2) + "\n");
console.log(`wrote ${values.out}`);

/** Noisy, decreasing losses from the synthetic landscape at a fixed LR. */
function syntheticLosses(steps: number): LossValue[] {
  let s = syntheticStart(SYNTHETIC_DEFAULTS);
  const out: LossValue[] = [];
  for (let t = 0; t < steps; t++) {
    const next = syntheticStep(SYNTHETIC_DEFAULTS, s, t, 1e-4);
    s = next.state;
    out.push(encodeLoss(next.loss));
  }
  return out;
}
