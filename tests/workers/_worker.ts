/**
 * Real worker processes for tests: spawn, wait for a condition on the store, kill.
 *
 * @module
 */

import { EventStore, RunDefinitionSchema, type RunView } from "../../src/events/mod.ts";
import { spawnWorker } from "../../workers/spawn.ts";

/**
 * A temporary store on disk that worker processes can share; `removeStore` closes it and deletes
 * its folder (checkpoints included), so that test runs leave nothing in the temp folder.
 */
export async function diskStore(): Promise<
  { store: EventStore; dir: string; kvPath: string; removeStore: () => Promise<void> }
> {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-test-" });
  const kvPath = `${dir}/adalrs.kv`;
  const store = new EventStore(await Deno.openKv(kvPath));
  const removeStore = async () => {
    store.kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return { store, dir, kvPath, removeStore };
}

/** Starts a worker process on the store at `kvPath`, with a short lease so tests run fast. */
export function startWorker(kvPath: string, id: string, leaseTtlMs = 1500): Deno.ChildProcess {
  return spawnWorker({ kvPath, id, leaseTtlMs, pollMs: 50, output: "piped" });
}

/**
 * Stops a worker and returns what it printed. A worker that has not exited `graceMs` after the
 * signal is killed, so a stuck one fails its test (its output lacks the clean stop) instead of
 * hanging the suite.
 */
export async function stopWorker(
  worker: Deno.ChildProcess,
  signal: Deno.Signal = "SIGTERM",
  graceMs = 15_000,
) {
  const kill = (sig: Deno.Signal) => {
    try {
      worker.kill(sig);
    } catch { /* already gone */ }
  };
  kill(signal);
  const timer = setTimeout(() => kill("SIGKILL"), graceMs);
  try {
    const out = await worker.output();
    return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the run until `check` holds, or fails after `timeoutMs`. */
export async function waitFor(
  store: EventStore,
  runId: string,
  check: (view: RunView) => boolean,
  timeoutMs = 20_000,
): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await store.get(runId);
    if (view && check(view)) return view;
    if (Date.now() > deadline) {
      throw new Error(`Timed out; run is ${JSON.stringify(view?.progress)} ${view?.status}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A managed synthetic run, 10x below the optimum with short windows so that upscale trials
 * happen: fast, deterministic, with checkpoints and evals.
 */
export function syntheticDefinition(
  steps: number,
  stepDelayMs = 0,
  opts: { name?: string; evalEvery?: number; checkpointEvery?: number } = {},
) {
  return RunDefinitionSchema.parse({
    name: opts.name ?? "synthetic",
    mode: "managed",
    model: { kind: "synthetic", stepDelayMs },
    training: {
      steps,
      checkpointEvery: opts.checkpointEvery ?? 50,
      evalEvery: opts.evalEvery ?? 50,
    },
    optimizer: { lr: 1e-4 },
    schedule: { kind: "constant" },
    adalrs: { window: 10, searchStart: 0, searchEnd: 0.8 },
  });
}
