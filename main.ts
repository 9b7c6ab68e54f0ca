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

import { parseArgs } from "node:util";
import { createApp } from "./src/api/mod.ts";
import { EventStore } from "./src/events/mod.ts";
import { parseBackendName } from "./src/train/backend_name.ts";
import { spawnWorker } from "./workers/spawn.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    port: { type: "string", default: "8000" },
    host: { type: "string", default: "127.0.0.1" },
    data: { type: "string", default: "data" },
    kv: { type: "string" },
    workers: { type: "string", default: "1" },
    backend: { type: "string", default: Deno.env.get("ADALRS_BACKEND") ?? "wasm" },
  },
});

const port = wholeNumber("port", values.port);
const workerCount = wholeNumber("workers", values.workers);
try {
  parseBackendName(values.backend);
} catch (error) {
  exitWith(`--backend: ${(error as Error).message}`);
}

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

function wholeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) exitWith(`--${name} must be a whole number, not ${value}`);
  return n;
}

function exitWith(message: string): never {
  console.error(message);
  Deno.exit(2);
}
