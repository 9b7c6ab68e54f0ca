/**
 * Starting worker processes: `main.ts`, the train CLI and the tests all start them this way.
 *
 * @module
 */

/** Options of {@linkcode spawnWorker}. */
export interface SpawnOptions {
  kvPath: string;
  checkpointDir?: string;
  backend?: string;
  id: string;
  leaseTtlMs?: number;
  pollMs?: number;
  /** "inherit" shares the parent's terminal; "piped" lets a test read the output. */
  output?: "inherit" | "piped" | "null";
  /** How many workers share this machine: each gets its share of the cores for BLAS. */
  siblings?: number;
  /** Extra environment variables for the worker, on top of this process's. */
  env?: Record<string, string>;
}

/**
 * sgemm threads for each of `workers` processes on this machine: the cores divided among them,
 * unless `ADALRS_BLAS_THREADS` already says.
 */
export function blasThreadsPerWorker(workers: number): string {
  const cores = navigator.hardwareConcurrency || 1;
  return Deno.env.get("ADALRS_BLAS_THREADS") ?? String(Math.max(1, Math.floor(cores / workers)));
}

/** Starts `workers/worker.ts` as its own Deno process on the given store. */
export function spawnWorker(opts: SpawnOptions): Deno.ChildProcess {
  const config = new URL("../deno.json", import.meta.url).pathname;
  const entry = new URL("./worker.ts", import.meta.url).pathname;
  const args = ["run", "-A", "--config", config, entry, "--kv", opts.kvPath, "--id", opts.id];
  if (opts.checkpointDir) args.push("--checkpoints", opts.checkpointDir);
  if (opts.backend) args.push("--backend", opts.backend);
  if (opts.leaseTtlMs) args.push("--lease-ttl", String(opts.leaseTtlMs));
  if (opts.pollMs) args.push("--poll", String(opts.pollMs));
  const output = opts.output ?? "inherit";
  // Workers on one machine would otherwise each start a BLAS thread per core and fight over them.
  const env = { ADALRS_BLAS_THREADS: blasThreadsPerWorker(opts.siblings ?? 1), ...opts.env };
  return new Deno.Command(Deno.execPath(), { args, env, stdout: output, stderr: output }).spawn();
}
