/**
 * The adalrs service: the HTTP API on an embedded Deno KV store, plus N trainer worker
 * processes polling the same store.
 *
 *     deno task start [--port 8000] [--host 127.0.0.1] [--data data] [--workers 1]
 *
 * `ADALRS_TOKEN`, when set, protects every write. `--kv` takes a remote KV URL instead of the
 * local file (with `DENO_KV_ACCESS_TOKEN`).
 *
 * @module
 */

import { parseCommandLine } from "./src/cli/mod.ts";
import { createApp } from "./src/api/mod.ts";
import { EventStore } from "./src/events/mod.ts";
import { BACKENDS } from "./src/train/backend_names.ts";
import { spawnWorker } from "./workers/spawn.ts";

const { values } = parseCommandLine({
  usage: "deno task start [--port 8000] [--host 127.0.0.1] [--data data] [--workers 1]",
  about: "The adalrs service: HTTP API, docs and dashboard on a local Deno KV store under " +
    "--data, plus --workers trainer processes on the same store.",
  flags: {
    port: { kind: "number", integer: true, min: 0, max: 65535, default: 8000, help: "HTTP port" },
    host: { kind: "string", default: "127.0.0.1", help: "address to bind" },
    data: { kind: "string", default: "data", help: "folder for the KV store and checkpoints" },
    kv: { kind: "string", help: "a KV path or remote URL instead of <data>/adalrs.kv" },
    workers: { kind: "number", integer: true, min: 0, default: 1, help: "trainer processes" },
    backend: {
      kind: "string",
      choices: BACKENDS,
      default: Deno.env.get("ADALRS_BACKEND") ?? "wasm",
      help: "the workers' tfjs backend",
    },
  },
  notes: [
    "environment: ADALRS_TOKEN protects every write; DENO_KV_ACCESS_TOKEN for a remote --kv.",
  ],
});
const port = values.port;
const workerCount = values.workers;

await Deno.mkdir(values.data, { recursive: true });
const kvPath = values.kv ?? `${values.data}/adalrs.kv`;
const store = new EventStore(await Deno.openKv(kvPath));
const workers = Array.from({ length: workerCount }, (_, i) =>
  spawnWorker({
    kvPath,
    checkpointDir: `${values.data}/checkpoints`,
    backend: values.backend,
    id: `local-${Deno.pid}-${i}`,
    siblings: workerCount,
  }));
const server = Deno.serve(
  {
    hostname: values.host,
    port,
    onListen: ({ hostname, port }) =>
      console.log(
        `adalrs listening on http://${hostname}:${port} (docs: /docs, store: ${kvPath}, ` +
          `workers: ${workers.length}, backend: ${values.backend})`,
      ),
  },
  createApp(store, { token: Deno.env.get("ADALRS_TOKEN") }).fetch,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    for (const worker of workers) worker.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.status));
    await server.shutdown();
    store.kv.close();
    Deno.exit(0);
  });
}
