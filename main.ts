/**
 * The adalrs service: the HTTP API on an embedded Deno KV store, plus N trainer worker
 * processes polling the same store, restarted when they exit.
 *
 *     deno task start [--port 8000] [--host 127.0.0.1] [--data data] [--workers 1]
 *                     [--allowed-hosts a,b] [--allowed-origins https://x,https://y]
 *
 * `ADALRS_TOKEN`, when set, protects every write. `--kv` takes a remote KV URL instead of the
 * local file (with `DENO_KV_ACCESS_TOKEN`). The service answers to loopback host names and the
 * `--host` it binds; `--allowed-hosts` names others (`*`: any), `--allowed-origins` the other
 * sites whose pages may write.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { createApp } from "./src/api/mod.ts";
import { LOOPBACK_HOSTS } from "./src/api/guard.ts";
import { EventStore, type StoreFileWatch, watchStoreFile } from "./src/events/mod.ts";
import { parseBackendName } from "./src/train/backend_name.ts";
import { spawnWorker } from "./workers/spawn.ts";
import { superviseWorkers } from "./workers/supervise.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "8000" },
    host: { type: "string", default: "127.0.0.1" },
    data: { type: "string", default: "data" },
    kv: { type: "string" },
    workers: { type: "string", default: "1" },
    backend: { type: "string", default: Deno.env.get("ADALRS_BACKEND") ?? "wasm" },
    "allowed-hosts": { type: "string" },
    "allowed-origins": { type: "string" },
    "restart-backoff": { type: "string", default: "1000" },
  },
});

const port = wholeNumber("port", values.port);
const workerCount = wholeNumber("workers", values.workers);
const backoffMs = wholeNumber("restart-backoff", values["restart-backoff"]);
try {
  parseBackendName(values.backend);
} catch (error) {
  exitWith(`--backend: ${(error as Error).message}`);
}
const list = (value: string | undefined) => value?.split(",").map((s) => s.trim()).filter(Boolean);
const wildcard = ["0.0.0.0", "::", "[::]"].includes(values.host);
const allowedHosts = list(values["allowed-hosts"]) ??
  [
    ...LOOPBACK_HOSTS,
    ...(wildcard ? [] : [values.host.includes(":") ? `[${values.host}]` : values.host]),
  ];

const kvPath = values.kv ?? `${values.data}/adalrs.kv`;
const store = await openStore(kvPath);
// A remote store has no file here to watch.
const storeFile: StoreFileWatch | undefined = values.kv ? undefined : await watchStoreFile(kvPath);
const supervisor = superviseWorkers({
  ids: Array.from({ length: workerCount }, (_, i) => `local-${Deno.pid}-${i}`),
  spawn: (id) =>
    spawnWorker({
      kvPath,
      checkpointDir: `${values.data}/checkpoints`,
      backend: values.backend,
      id,
      siblings: workerCount,
    }),
  backoffMs,
});
const app = createApp(store, {
  token: Deno.env.get("ADALRS_TOKEN"),
  allowedHosts,
  allowedOrigins: list(values["allowed-origins"]),
  storeFile,
  dataDir: values.data,
  expectedWorkers: workerCount,
  supervised: () => supervisor.workers(),
});
const server = Deno.serve(
  {
    hostname: values.host,
    port,
    onListen: ({ hostname, port }) => {
      console.log(
        `adalrs listening on http://${hostname}:${port} (docs: /docs, store: ${kvPath}, ` +
          `workers: ${workerCount}, backend: ${values.backend})`,
      );
      if (wildcard && !values["allowed-hosts"]) {
        console.log(
          `answering only to ${allowedHosts.join(", ")}: name others with --allowed-hosts`,
        );
      }
    },
  },
  app.fetch,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await supervisor.stop();
    // Requests in flight get a moment to finish; idle keep-alive clients are not waited for.
    await Promise.race([server.shutdown(), new Promise((r) => setTimeout(r, 2000))]);
    store.kv.close();
    Deno.exit(0);
  });
}

/** Opens the store, or exits with one line saying why it cannot be. */
async function openStore(path: string): Promise<EventStore> {
  try {
    if (!values.kv) await Deno.mkdir(values.data, { recursive: true });
    const kv = await Deno.openKv(path);
    // A corrupt or read-only file can open and fail at the first write: write once now.
    await kv.set(["started"], new Date().toISOString());
    return new EventStore(kv);
  } catch (err) {
    exitWith(`Cannot open the store at ${path}: ${(err as Error).message}`);
  }
}

function wholeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) exitWith(`--${name} must be a whole number, not ${value}`);
  return n;
}

function exitWith(message: string): never {
  console.error(message);
  Deno.exit(2);
}
