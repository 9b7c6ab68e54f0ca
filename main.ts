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

import { backendFlag, parseCommandLine } from "./src/cli/mod.ts";
import { createApp } from "./src/api/mod.ts";
import { LOOPBACK_HOSTS } from "./src/api/guard.ts";
import { EventStore, type StoreFileWatch, watchStoreFile } from "./src/events/mod.ts";
import { spawnWorker } from "./workers/spawn.ts";
import { superviseWorkers } from "./workers/supervise.ts";

const { values } = parseCommandLine({
  usage: "deno task start [--port 8000] [--host 127.0.0.1] [--data data] [--workers 1]",
  about: "The adalrs service: HTTP API, docs and dashboard on a local Deno KV store under " +
    "--data, plus --workers supervised trainer processes on the same store.",
  flags: {
    port: { kind: "number", integer: true, min: 0, max: 65535, default: 8000, help: "HTTP port" },
    host: { kind: "string", default: "127.0.0.1", help: "address to bind" },
    data: { kind: "string", default: "data", help: "folder for the KV store and checkpoints" },
    kv: { kind: "string", help: "a KV path or remote URL instead of <data>/adalrs.kv" },
    workers: { kind: "number", integer: true, min: 0, default: 1, help: "trainer processes" },
    backend: backendFlag("the workers' tfjs backend"),
    "allowed-hosts": {
      kind: "string",
      help: "Host headers to answer, comma-separated, or * (default: loopback and --host)",
    },
    "allowed-origins": {
      kind: "string",
      help: "other sites' Origins that may write, comma-separated",
    },
    "restart-backoff": {
      kind: "number",
      integer: true,
      min: 0,
      default: 1000,
      help: "first wait before restarting a dead worker, in ms (doubles up to 60 s)",
    },
  },
  notes: [
    "environment: ADALRS_TOKEN protects every write; DENO_KV_ACCESS_TOKEN for a remote --kv.",
  ],
});
const port = values.port;
const workerCount = values.workers;
const backoffMs = values["restart-backoff"];
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

function exitWith(message: string): never {
  console.error(message);
  Deno.exit(2);
}
