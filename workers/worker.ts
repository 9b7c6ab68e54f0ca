/**
 * A long-lived trainer process: polls the store for managed runs, leases one, trains it, and
 * goes back to polling. Start one with `deno task worker --kv <path|url>`; `main.ts` starts N.
 *
 * Several workers, on one host or many (a remote KV URL with `DENO_KV_ACCESS_TOKEN`), share a
 * store safely: a lease is taken with an atomic check and every append checks the stream head.
 *
 * @module
 */

import { hostname } from "node:os";
import { backendFlag, parseCommandLine } from "../src/cli/mod.ts";
import { acquireLease, EventStore, isTerminal, recordBeat, removeBeat } from "../src/events/mod.ts";
import {
  BACKEND_NAMES,
  type BackendName,
  isRuntimeAbort,
  parseBackendName,
} from "../src/train/mod.ts";
import { workerBackend } from "./model.ts";
import { EXIT_RUNTIME_ABORTED } from "./supervise.ts";
import { trainLeasedRun, type WorkerContext } from "./train_run.ts";

/** Options of {@linkcode runWorker}. */
export interface WorkerOptions {
  /** The store's KV path or URL. */
  kv: string;
  /** Where checkpoints are written. */
  checkpointDir: string;
  /** The tfjs backend GPT runs train on, activated once, on the first one. */
  backend: BackendName;
  /** How long a lease lasts without renewal; must exceed the slowest step. */
  leaseTtlMs: number;
  /** How often to look for work. */
  pollMs: number;
  workerId: string;
  /** Stop when this signal aborts (after the current step). */
  signal?: AbortSignal;
}

/** How often a worker writes its heartbeat. */
const BEAT_EVERY_MS = 1000;

/**
 * Polls for runs and trains them, one at a time, until `signal` aborts.
 *
 * @returns "stopped" after `signal`, or "runtime-aborted" when the WebAssembly runtime aborted
 *   during a run: the process must exit and be replaced, since every later run would fail
 */
export async function runWorker(opts: WorkerOptions): Promise<"stopped" | "runtime-aborted"> {
  const kv = await Deno.openKv(opts.kv);
  const store = new EventStore(kv);
  const log = (line: string) => console.log(`[worker ${opts.workerId}] ${line}`);
  const ctx: WorkerContext = { store, log, ...opts, backend: workerBackend(opts.backend) };
  const beat = heartbeat(kv, opts, log);
  log(`polling ${opts.kv} (backend ${opts.backend})`);
  try {
    while (!opts.signal?.aborted) {
      try {
        const held = await leaseNextRun(store, opts);
        if (held) {
          beat.runId = held.runId;
          const { runtimeAborted } = await trainLeasedRun(ctx, held);
          beat.runId = null;
          if (runtimeAborted) return abortedRuntime(log);
          continue;
        }
      } catch (err) {
        if (isRuntimeAbort(err)) return abortedRuntime(log);
        // A store hiccup must not kill a long-lived worker: log it and poll again.
        log(`error while looking for work: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs));
    }
    await beat.stop();
    // Stopped on purpose: not a worker to show as dead.
    await removeBeat(kv, opts.workerId).catch(() => {});
    return "stopped";
  } finally {
    await beat.stop();
    kv.close();
  }
}

function abortedRuntime(log: (line: string) => void): "runtime-aborted" {
  log("the WebAssembly runtime aborted; exiting so that a fresh worker takes the next run");
  return "runtime-aborted";
}

/** Beats every second on a timer, whatever the training loop is doing between steps. */
function heartbeat(kv: Deno.Kv, opts: WorkerOptions, log: (line: string) => void) {
  const startedAt = new Date().toISOString();
  let failing = false;
  let pending = Promise.resolve();
  const state = {
    runId: null as string | null,
    stop: () => {
      clearInterval(timer);
      return pending;
    },
  };
  const beat = () =>
    pending = recordBeat(kv, {
      id: opts.workerId,
      pid: Deno.pid,
      host: hostname(),
      backend: opts.backend,
      startedAt,
      beatAt: new Date().toISOString(),
      beatEveryMs: BEAT_EVERY_MS,
      runId: state.runId,
    }).then(() => {
      failing = false;
    }, (err) => {
      // Logged once per outage, not once a second.
      if (!failing) log(`could not write the heartbeat: ${(err as Error).message}`);
      failing = true;
    });
  const timer = setInterval(beat, BEAT_EVERY_MS);
  beat();
  return state;
}

/** Leases the oldest active managed run whose lease is free or expired. */
async function leaseNextRun(store: EventStore, opts: WorkerOptions) {
  for (const id of await store.activeIds()) {
    const view = await store.get(id);
    if (view?.mode !== "managed" || isTerminal(view.status)) continue;
    const held = await acquireLease(store.kv, id, opts.workerId, opts.leaseTtlMs, Date.now());
    if (held) return held;
  }
  return null;
}

if (import.meta.main) {
  const { values } = parseCommandLine({
    usage: "deno task worker --kv <path|url> " +
      `[--backend ${BACKEND_NAMES.join("|")}] [--checkpoints DIR]`,
    about: "One trainer worker: leases managed runs from the store and trains them.",
    flags: {
      kv: { kind: "string", default: "data/adalrs.kv", help: "KV file or remote URL" },
      checkpoints: { kind: "string", help: "checkpoint folder [default: beside the KV file]" },
      backend: backendFlag("tfjs backend"),
      "lease-ttl": {
        kind: "number",
        integer: true,
        min: 1,
        default: 30000,
        help: "lease lifetime, ms",
      },
      poll: { kind: "number", integer: true, min: 1, default: 500, help: "poll interval, ms" },
      id: { kind: "string", default: `${hostname()}-${Deno.pid}`, help: "worker id" },
    },
  });
  const backend = parseBackendName(values.backend);
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  const kvDir = values.kv.includes("://") ? "data" : values.kv.replace(/\/[^/]*$/, "") || ".";
  const outcome = await runWorker({
    kv: values.kv,
    checkpointDir: values.checkpoints ?? `${kvDir}/checkpoints`,
    backend,
    leaseTtlMs: values["lease-ttl"],
    pollMs: values.poll,
    workerId: values.id,
    signal: stop.signal,
  });
  if (outcome === "runtime-aborted") Deno.exit(EXIT_RUNTIME_ABORTED);
}
