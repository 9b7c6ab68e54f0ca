/**
 * Where a CLI's runs train: an existing service (`--url`), or one started here, embedded, with
 * its own store and N worker processes, the way `main.ts` starts one.
 *
 * @module
 */

import { createApp } from "../api/mod.ts";
import { EventStore } from "../events/mod.ts";
import { spawnWorker } from "../../workers/spawn.ts";
import { type ServiceEndpoint, tokenHeaders } from "./http.ts";

/** A service in use; `close` stops what was started here (nothing, for a remote one). */
export interface Service extends ServiceEndpoint {
  /** True when this process started it. */
  embedded: boolean;
  /** Worker processes started here (0 for a remote service: its own workers train). */
  workers: number;
  close(): Promise<void>;
}

/** Options of {@linkcode startEmbedded}. */
export interface EmbeddedOptions {
  /** Directory of the store (`adalrs.kv`) and checkpoints. */
  dataDir: string;
  /** Worker processes; each trains one run at a time. */
  workers: number;
  /** tfjs backend of the workers. @default "wasm" */
  backend?: string;
  /** Worker poll interval in ms. @default 500 */
  pollMs?: number;
  /** Worker lease TTL in ms. @default 30000 */
  leaseTtlMs?: number;
}

/**
 * Starts the HTTP API on a free local port over a store in `dataDir`, plus worker processes.
 *
 * @param opts where and how many
 * @returns the running service
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<Service> {
  await Deno.mkdir(opts.dataDir, { recursive: true });
  const kvPath = `${opts.dataDir}/adalrs.kv`;
  const store = new EventStore(await Deno.openKv(kvPath));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    createApp(store).fetch,
  );
  const workers = Array.from({ length: opts.workers }, (_, i) =>
    spawnWorker({
      kvPath,
      checkpointDir: `${opts.dataDir}/checkpoints`,
      backend: opts.backend ?? "wasm",
      id: `sweep-${Deno.pid}-${i}`,
      pollMs: opts.pollMs,
      leaseTtlMs: opts.leaseTtlMs,
      output: "null",
      siblings: opts.workers,
    }));
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    embedded: true,
    workers: workers.length,
    close: async () => {
      for (const worker of workers) {
        try {
          worker.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await Promise.all(workers.map((w) => w.status));
      await server.shutdown();
      store.kv.close();
    },
  };
}

/**
 * On Ctrl-C, stops what this process started (its workers, its server) and exits; runs left
 * unfinished resume from their checkpoints when the same command runs again.
 *
 * @param service the service in use
 */
export function stopOnInterrupt(service: Service): void {
  Deno.addSignalListener("SIGINT", async () => {
    console.error("\ninterrupted: stopping the workers; rerun the same command to resume");
    await service.close();
    Deno.exit(130);
  });
}

/**
 * Uses the service at `url`; fails when nothing healthy answers there.
 *
 * @param url the service's base URL
 */
export async function connectService(url: string): Promise<Service> {
  const base = url.replace(/\/+$/, "");
  let ok = false;
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(3000) });
    await res.body?.cancel();
    ok = res.ok;
  } catch { /* reported below */ }
  if (!ok) throw new Error(`No adalrs service answers at ${base}/health`);
  return {
    url: base,
    headers: tokenHeaders(),
    embedded: false,
    workers: 0,
    close: () => Promise.resolve(),
  };
}

/**
 * How many workers to start by default: one per core, at most `runs` (more would idle).
 *
 * @param runs how many runs can train at once
 */
export function defaultWorkers(runs: number): number {
  return Math.max(1, Math.min(navigator.hardwareConcurrency || 1, runs));
}
