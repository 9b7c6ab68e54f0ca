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
import { LOOPBACK_HOSTS } from "./src/api/guard.ts";
import { startService } from "./src/service/mod.ts";

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
const list = (value: string | undefined) => value?.split(",").map((s) => s.trim()).filter(Boolean);
const wildcard = ["0.0.0.0", "::", "[::]"].includes(values.host);
const allowedHosts = list(values["allowed-hosts"]) ??
  [
    ...LOOPBACK_HOSTS,
    ...(wildcard ? [] : [values.host.includes(":") ? `[${values.host}]` : values.host]),
  ];

const service = await startService({
  dataDir: values.data,
  kv: values.kv,
  hostname: values.host,
  port: values.port,
  workers: values.workers,
  backend: values.backend,
  restartBackoffMs: values["restart-backoff"],
  token: Deno.env.get("ADALRS_TOKEN"),
  allowedHosts,
  allowedOrigins: list(values["allowed-origins"]),
  onListen: ({ hostname, port }) => {
    console.log(
      `adalrs listening on http://${hostname}:${port} (docs: /docs, store: ${
        values.kv ?? `${values.data}/adalrs.kv`
      }, workers: ${values.workers}, backend: ${values.backend})`,
    );
    if (wildcard && !values["allowed-hosts"]) {
      console.log(`answering only to ${allowedHosts.join(", ")}: name others with --allowed-hosts`);
    }
  },
}).catch((err: Error) => {
  // One line saying why, not a stack trace.
  console.error(err.message);
  Deno.exit(2);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    await service.close();
    Deno.exit(0);
  });
}
