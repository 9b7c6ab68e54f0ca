/**
 * Starting the adalrs service: the event store on Deno KV, N supervised trainer worker processes
 * on the same store, and the HTTP API over it. `main.ts` (`task start`) and the CLIs' embedded
 * mode (`task train`, `task sweep`, `task experiment`) both start it here, so they cannot drift
 * apart.
 *
 * @module
 */

import { createApp } from "../api/mod.ts";
import { EventStore, type StoreFileWatch, watchStoreFile } from "../events/mod.ts";
import { spawnWorker } from "../../workers/spawn.ts";
import { superviseWorkers, type Supervisor } from "../../workers/supervise.ts";

/** Options of {@linkcode startService}. */
export interface ServiceOptions {
  /** Folder of the store (`adalrs.kv`, unless `kv` says otherwise) and the checkpoints. */
  dataDir: string;
  /** A KV path or remote URL instead of `<dataDir>/adalrs.kv`. */
  kv?: string;
  /** Address to bind. @default "127.0.0.1" */
  hostname?: string;
  /** Port to bind; 0 takes a free one. @default 0 */
  port?: number;
  /** Trainer worker processes; each trains one run at a time. */
  workers: number;
  /** The workers' tfjs backend. @default "wasm" */
  backend?: string;
  /** Worker ids are `<workerPrefix>-<pid>-<i>`. @default "local" */
  workerPrefix?: string;
  /** Where the workers' output goes. @default "inherit" */
  workerOutput?: "inherit" | "null";
  /** Worker poll interval in ms (the worker's default when unset). */
  pollMs?: number;
  /** Worker lease TTL in ms (the worker's default when unset). */
  leaseTtlMs?: number;
  /** First wait before restarting a dead worker, in ms (doubles up to 60 s). @default 1000 */
  restartBackoffMs?: number;
  /** When set, writes need `Authorization: Bearer <token>`. */
  token?: string;
  /** `Host` headers to answer (@default loopback names). */
  allowedHosts?: string[];
  /** Other sites' Origins that may write. */
  allowedOrigins?: string[];
  /** Called once the server listens, with its address. */
  onListen?: (addr: { hostname: string; port: number }) => void;
}

/** A service started by this process. */
export interface RunningService {
  /** Its base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** The store's path or URL. */
  kvPath: string;
  store: EventStore;
  supervisor: Supervisor;
  /**
   * Stops the workers, gives requests in flight a moment to finish (idle keep-alive clients are
   * not waited for) and closes the store.
   */
  close(): Promise<void>;
}

/** How long `close` waits for requests in flight. */
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Opens the store, starts the workers and serves the API.
 *
 * @param opts where the store is, what to bind, how many workers
 * @returns the running service
 * @throws Error naming the store when it cannot be opened or written, or the port when it is
 *   taken (no worker has started then)
 */
export async function startService(opts: ServiceOptions): Promise<RunningService> {
  const kvPath = opts.kv ?? `${opts.dataDir}/adalrs.kv`;
  const store = await openStore(kvPath, opts.kv === undefined ? opts.dataDir : undefined);
  // A remote store has no file here to watch.
  const storeFile: StoreFileWatch | undefined = opts.kv ? undefined : await watchStoreFile(kvPath);
  // The workers start once the port is bound: a port in use must not leave them running. No
  // request is handled before they are started (same tick), so `supervised` can name them.
  const app = createApp(store, {
    token: opts.token,
    allowedHosts: opts.allowedHosts,
    allowedOrigins: opts.allowedOrigins,
    storeFile,
    dataDir: opts.dataDir,
    expectedWorkers: opts.workers,
    supervised: () => supervisor.workers(),
  });
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: opts.hostname ?? "127.0.0.1",
      port: opts.port ?? 0,
      onListen: (addr) => opts.onListen?.(addr),
    }, app.fetch);
  } catch (err) {
    store.kv.close();
    throw new Error(`Cannot listen on port ${opts.port ?? 0}: ${(err as Error).message}`);
  }
  const prefix = opts.workerPrefix ?? "local";
  const supervisor = superviseWorkers({
    ids: Array.from({ length: opts.workers }, (_, i) => `${prefix}-${Deno.pid}-${i}`),
    spawn: (id) =>
      spawnWorker({
        kvPath,
        checkpointDir: `${opts.dataDir}/checkpoints`,
        backend: opts.backend ?? "wasm",
        id,
        pollMs: opts.pollMs,
        leaseTtlMs: opts.leaseTtlMs,
        output: opts.workerOutput,
        siblings: opts.workers,
      }),
    backoffMs: opts.restartBackoffMs,
  });
  const { hostname, port } = server.addr;
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`,
    kvPath,
    store,
    supervisor,
    close: async () => {
      await supervisor.stop();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise((resolve) => timer = setTimeout(resolve, SHUTDOWN_GRACE_MS));
      await Promise.race([server.shutdown(), grace]);
      clearTimeout(timer);
      store.kv.close();
    },
  };
}

/**
 * Opens the store and writes to it once: a corrupt or read-only file can open and fail only at
 * the first write, and a service should not start on one.
 */
async function openStore(path: string, dataDir: string | undefined): Promise<EventStore> {
  try {
    if (dataDir !== undefined) await Deno.mkdir(dataDir, { recursive: true });
    const kv = await Deno.openKv(path);
    await kv.set(["started"], new Date().toISOString());
    return new EventStore(kv);
  } catch (err) {
    throw new Error(`Cannot open the store at ${path}: ${(err as Error).message}`);
  }
}
