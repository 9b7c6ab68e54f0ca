/**
 * Where a CLI's runs train (`task train`, `task sweep`, `task experiment`, `task audit`): an
 * existing service (`--url`), or one started here, embedded, by {@linkcode startService} with
 * its own store and N worker processes.
 *
 * @module
 */

import { type ServiceEndpoint, tokenHeaders } from "../client/mod.ts";
import { startService } from "./start.ts";

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
 * Starts the service on a free loopback port over a store in `dataDir`, with its workers
 * (their output discarded, so that a CLI's own progress stays readable).
 *
 * @param opts where and how many
 * @returns the running service
 */
export async function startEmbedded(opts: EmbeddedOptions): Promise<Service> {
  const service = await startService({
    dataDir: opts.dataDir,
    workers: opts.workers,
    backend: opts.backend,
    workerPrefix: "embedded",
    workerOutput: "null",
    pollMs: opts.pollMs,
    leaseTtlMs: opts.leaseTtlMs,
  });
  return { url: service.url, embedded: true, workers: opts.workers, close: service.close };
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
