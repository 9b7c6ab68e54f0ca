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
import { parseCommandLine } from "../src/cli/mod.ts";
import { BACKENDS } from "../src/train/backend_names.ts";
import { acquireLease, EventStore, isTerminal } from "../src/events/mod.ts";
import type { BackendName } from "../src/train/mod.ts";
import { trainLeasedRun, type WorkerContext } from "./train_run.ts";

/** Options of {@linkcode runWorker}. */
export interface WorkerOptions {
  /** The store's KV path or URL. */
  kv: string;
  /** Where checkpoints are written. */
  checkpointDir: string;
  backend: BackendName;
  /** How long a lease lasts without renewal; must exceed the slowest step. */
  leaseTtlMs: number;
  /** How often to look for work. */
  pollMs: number;
  workerId: string;
  /** Stop when this signal aborts (after the current step). */
  signal?: AbortSignal;
}

/** Polls for runs and trains them, one at a time, until `signal` aborts. */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const kv = await Deno.openKv(opts.kv);
  const store = new EventStore(kv);
  const log = (line: string) => console.log(`[worker ${opts.workerId}] ${line}`);
  const ctx: WorkerContext = { store, log, ...opts };
  log(`polling ${opts.kv} (backend ${opts.backend})`);
  try {
    while (!opts.signal?.aborted) {
      try {
        const held = await leaseNextRun(store, opts);
        if (held) {
          await trainLeasedRun(ctx, held);
          continue;
        }
      } catch (err) {
        // A store hiccup must not kill a long-lived worker: log it and poll again.
        log(`error while looking for work: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, opts.pollMs));
    }
  } finally {
    kv.close();
  }
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
    usage: "deno task worker --kv <path|url> [--backend wasm|cpu|tensorflow] [--checkpoints DIR]",
    about: "One trainer worker: leases managed runs from the store and trains them.",
    flags: {
      kv: { kind: "string", default: "data/adalrs.kv", help: "KV file or remote URL" },
      checkpoints: { kind: "string", help: "checkpoint folder [default: beside the KV file]" },
      backend: {
        kind: "string",
        choices: BACKENDS,
        default: Deno.env.get("ADALRS_BACKEND") ?? "wasm",
        help: "tfjs backend",
      },
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
  const backend = values.backend as BackendName;
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => stop.abort());
  }
  const kvDir = values.kv.includes("://") ? "data" : values.kv.replace(/\/[^/]*$/, "") || ".";
  await runWorker({
    kv: values.kv,
    checkpointDir: values.checkpoints ?? `${kvDir}/checkpoints`,
    backend,
    leaseTtlMs: values["lease-ttl"],
    pollMs: values.poll,
    workerId: values.id,
    signal: stop.signal,
  });
}
