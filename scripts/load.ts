/**
 * Load test, in two parts, each on a fresh store in a temporary folder:
 *
 * 1. External trainers: `main.ts --workers 0` on its own loopback port; `--clients` trainer
 *    processes drive `--runs` external runs concurrently, `--windows` windows each, aborting a
 *    share of their requests mid-flight (`--abort`) and retrying with the same idempotency key.
 *    Reports windows/s and p50/p99 latency, then reads every log back over HTTP and checks that
 *    each acknowledged window is there exactly once, seqs are dense, and replay is identical.
 * 2. Managed runs: `--workers` worker processes on one KV file compete for `--managed` synthetic
 *    runs; each run must be leased exactly once and trained to the end by that worker alone.
 *
 *     deno task load [--runs 60] [--clients 6] [--windows 20] [--abort 0.1]
 *                    [--workers 4] [--managed 40]
 *
 * Exits 1 if any event was lost or duplicated, or any check failed.
 *
 * @module
 */

import { parseCommandLine } from "../src/cli/mod.ts";
import {
  EventStore,
  isAbandoned,
  RunDefinitionSchema,
  type RunEvent,
  type RunView,
} from "../src/events/mod.ts";
import { replayRun } from "../src/replay/mod.ts";
import { spawnWorker } from "../workers/spawn.ts";
import {
  clientResult,
  drain,
  freePort,
  killService,
  startClient,
  startService,
} from "./_load_processes.ts";

const { values } = parseCommandLine({
  usage: "deno task load [--runs 60] [--clients 6] [--workers 4] [--managed 40]",
  about: "Load test: external runs from several trainer processes with aborts and retries " +
    "against main.ts, then workers competing for managed runs; checks every log.",
  flags: {
    runs: { kind: "number", integer: true, min: 1, default: 60, help: "external runs" },
    clients: { kind: "number", integer: true, min: 1, default: 6, help: "trainer processes" },
    windows: { kind: "number", integer: true, min: 1, default: 20, help: "windows per run" },
    abort: { kind: "number", min: 0, max: 1, default: 0.1, help: "share of posts aborted" },
    workers: { kind: "number", integer: true, min: 1, default: 4, help: "worker processes" },
    managed: { kind: "number", integer: true, min: 0, default: 40, help: "managed runs" },
  },
});
const WINDOW = 10;
const problems: string[] = [];

/** Percentile of a sorted list. */
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** What must hold of one run's log; returns what does not. */
function audit(view: RunView, events: RunEvent[], acked?: string[]): string[] {
  const out: string[] = [];
  if (events.some((e, i) => e.seq !== i)) out.push("seqs are not dense");
  if (events.at(-1)?.seq !== view.seq) out.push("the view's head is not the last event");
  if (view.status !== "completed") out.push(`ended ${view.status}: ${view.reason}`);
  let next = 0;
  for (const e of events) {
    if (e.type !== "LossWindowRecorded" || isAbandoned(view, e.seq)) continue;
    if (e.data.fromStep !== next) out.push(`window at ${e.data.fromStep}, expected ${next}`);
    next = e.data.fromStep + e.data.losses.length;
  }
  if (acked) {
    const keys = events.flatMap((e) =>
      e.type === "LossWindowRecorded" && e.data.idempotencyKey ? [e.data.idempotencyKey] : []
    );
    const stored = new Set(keys);
    if (stored.size !== keys.length) out.push(`${keys.length - stored.size} duplicated windows`);
    const lost = acked.filter((k) => !stored.has(k));
    if (lost.length) out.push(`${lost.length} acknowledged windows lost`);
    const unacked = keys.filter((k) => !acked.includes(k));
    if (unacked.length) out.push(`${unacked.length} windows stored that no client saw accepted`);
  }
  const replay = replayRun(events);
  if (replay.different > 0) out.push(`${replay.different} decisions differ on replay`);
  return out.map((p) => `${view.id}: ${p}`);
}

/** Part 1: external trainers over HTTP, with aborts and retries. */
async function externalLoad() {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-load-" });
  const service = await startService(dir, freePort());
  const runs = values.runs;
  const clients = values.clients;
  const definition = {
    mode: "external",
    training: { steps: values.windows * WINDOW },
    optimizer: { lr: 1e-4 },
    schedule: { kind: "constant" },
    adalrs: { window: WINDOW, searchStart: 0, searchEnd: 0.8 },
  };
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) {
    const res = await fetch(`${service.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        ...definition,
        name: `load ${i}`,
        training: { ...definition.training, seed: i },
      }),
    });
    ids.push((await res.json()).id);
  }
  const procs = Array.from(
    { length: clients },
    (_, c) =>
      startClient(service.url, ids.filter((_, i) => i % clients === c), {
        abort: values.abort,
        seed: c + 1,
        deadlineMs: 300_000,
      }),
  );
  const results = await Promise.all(procs.map(clientResult));
  for (const [c, r] of results.entries()) {
    if (r.code !== 0) problems.push(`client ${c} exited ${r.code}: ${r.stderr.slice(-500)}`);
  }
  const summaries = results.flatMap((r) => (r.summary ? [r.summary] : []));
  const latencies = summaries.flatMap((s) => s.latencies).sort((a, b) => a - b);
  // From the first client's first post to the last client's last answer: process start-up aside.
  const seconds = (Math.max(...summaries.map((s) => s.endedAt)) -
    Math.min(...summaries.map((s) => s.startedAt))) / 1000;
  const acks = results.flatMap((r) => r.acks);
  let events = 0;
  let decisions = 0;
  for (const id of ids) {
    const view: RunView = await (await fetch(`${service.url}/v1/runs/${id}`)).json();
    const log: RunEvent[] = [];
    for (let after = -1, pages = 0; pages < 100; pages++) {
      const page =
        await (await fetch(`${service.url}/v1/runs/${id}/events?after=${after}&limit=1000`)).json();
      log.push(...page.events);
      if (page.next === null) break;
      after = page.next;
    }
    events += log.length;
    decisions += view.decisions;
    problems.push(...audit(view, log, acks.filter((k) => k.startsWith(`${id}:`))));
  }
  await killService(service, "SIGTERM");
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return {
    runs,
    clients,
    posts: latencies.length,
    windows: decisions,
    events,
    seconds,
    windowsPerSecond: decisions / seconds,
    postsPerSecond: latencies.length / seconds,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    retries: summaries.reduce((n, s) => n + s.retries, 0),
    aborts: summaries.reduce((n, s) => n + s.aborts, 0),
  };
}

/** Part 2: worker processes competing for managed runs on one KV file. */
async function managedLoad() {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-load-workers-" });
  const kvPath = `${dir}/adalrs.kv`;
  const store = new EventStore(await Deno.openKv(kvPath));
  const count = values.managed;
  const leaseTtlMs = 10_000;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const definition = RunDefinitionSchema.parse({
      name: `managed ${i}`,
      model: { kind: "synthetic", stepDelayMs: 1 },
      training: { steps: 300, seed: i, checkpointEvery: 100, evalEvery: 100 },
      optimizer: { lr: 1e-4 },
      schedule: { kind: "constant" },
      adalrs: { window: WINDOW, searchStart: 0, searchEnd: 0.8 },
    });
    ids.push((await store.create(definition)).id);
  }
  const started = performance.now();
  const outputs: string[] = [];
  const workers = Array.from({ length: values.workers }, (_, i) => {
    const worker = spawnWorker({
      kvPath,
      id: `load-${i}`,
      leaseTtlMs,
      pollMs: 50,
      output: "piped",
    });
    const index = outputs.push("") - 1;
    drain(worker.stdout, (text) => (outputs[index] += text));
    drain(worker.stderr, (text) => (outputs[index] += text));
    return worker;
  });
  const deadline = Date.now() + 300_000;
  let done = 0;
  while (Date.now() < deadline) {
    done = (await Promise.all(ids.map((id) =>
      store.get(id)
    ))).filter((v) => v?.status === "completed").length;
    if (done === count) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  for (const w of workers) w.kill("SIGTERM");
  await Promise.all(workers.map((w) => w.status));
  if (done < count) problems.push(`only ${done} of ${count} managed runs completed`);
  const byWorker = new Map<string, number>();
  let releases = 0;
  for (const id of ids) {
    const view = (await store.get(id))!;
    const log = await store.read(id);
    problems.push(...audit(view, log));
    const leases = log.filter((e) => e.type === "RunLeased");
    for (const [i, lease] of leases.entries()) {
      if (lease.type !== "RunLeased") continue;
      byWorker.set(
        lease.data.workerId,
        (byWorker.get(lease.data.workerId) ?? 0) + (i === 0 ? 1 : 0),
      );
      // A second lease is legitimate only if the first holder was silent for a whole TTL.
      const silent = Date.parse(lease.at) - Date.parse(log[lease.seq - 1].at);
      if (i > 0 && silent < leaseTtlMs) problems.push(`${id}: leased again after ${silent} ms`);
      if (i > 0) releases++;
    }
  }
  const trained = outputs.flatMap((o) =>
    [...o.matchAll(/\] (\w+): training from step/g)].map((m) => m[1])
  );
  if (new Set(trained).size !== trained.length) problems.push("a run was started by two workers");
  // A stop is benign (a worker that leased a run as it completed lets it go); errors are not.
  const stopped = outputs.join("").match(/stopped:/g)?.length ?? 0;
  const errors = outputs.join("").match(/failed:|error while|could not/g)?.length ?? 0;
  if (errors > 0) problems.push(`${errors} errors in the worker logs`);
  store.kv.close();
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  return {
    runs: count,
    workers: workers.length,
    seconds,
    runsPerSecond: done / seconds,
    stepsPerSecond: (done * 300) / seconds,
    releases,
    stopped,
    errors,
    byWorker: Object.fromEntries(byWorker),
  };
}

const external = await externalLoad();
console.log(
  `external: ${external.runs} runs from ${external.clients} client processes, ${external.windows} windows ` +
    `(${external.posts} posts, ${external.events} events) in ${external.seconds.toFixed(1)} s: ` +
    `${external.windowsPerSecond.toFixed(0)} windows/s, ${
      external.postsPerSecond.toFixed(0)
    } posts/s; ` +
    `latency per accepted post p50 ${external.p50.toFixed(1)} ms, p99 ${
      external.p99.toFixed(1)
    } ms; ` +
    `${external.aborts} aborted mid-flight, ${external.retries} retries`,
);
const managed = await managedLoad();
console.log(
  `managed: ${managed.runs} synthetic runs, ${managed.workers} workers on one KV file, ` +
    `${managed.seconds.toFixed(1)} s (${managed.runsPerSecond.toFixed(2)} runs/s, ` +
    `${managed.stepsPerSecond.toFixed(0)} steps/s); runs first leased per worker ${
      JSON.stringify(managed.byWorker)
    }; ` +
    `${managed.releases} re-leases, ${managed.stopped} benign stops, ${managed.errors} errors`,
);
console.log(
  problems.length === 0
    ? "zero events lost or duplicated; every replay identical"
    : problems.join("\n"),
);
Deno.exitCode = problems.length === 0 ? 0 : 1;
