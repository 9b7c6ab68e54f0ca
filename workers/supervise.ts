/**
 * Supervising worker processes: `task start` keeps N workers running. A worker that exits (a
 * crash, `kill -9`, a WebAssembly runtime that aborted) is started again under the same id, so
 * that it can take its own run's lease back at once, after a back-off that doubles with each
 * exit in a row and resets once a worker has stayed up a while.
 *
 * @module
 */

/** Exit status of a worker whose WebAssembly runtime aborted: it must be replaced. */
export const EXIT_RUNTIME_ABORTED = 70;

/** Options of {@linkcode superviseWorkers}. */
export interface SuperviseOptions {
  /** Worker ids; one process is kept running for each. */
  ids: string[];
  /** Starts the process for an id. */
  spawn: (id: string) => Deno.ChildProcess;
  /** Where to say why a worker is restarted. */
  log?: (line: string) => void;
  /** Wait before the first restart; doubles with each exit in a row. @default 1000 */
  backoffMs?: number;
  /** Longest wait between restarts. @default 60000 */
  maxBackoffMs?: number;
  /** A worker up this long counts as healthy: its next exit restarts after `backoffMs`. @default 60000 */
  healthyAfterMs?: number;
}

/** What the supervisor knows of one worker slot. */
export interface SupervisedWorker {
  id: string;
  pid: number | null;
  /** "running", or "restarting" during a back-off. */
  state: "running" | "restarting" | "stopped";
  /** How many times it was started again. */
  restarts: number;
  /** How the previous process ended, e.g. "killed by SIGKILL after 12.3 s". */
  lastExit: string | null;
}

/** A running supervisor: its workers' state, and a way to stop them all. */
export interface Supervisor {
  workers(): SupervisedWorker[];
  /** Sends SIGTERM to every worker, stops restarting, and waits for them to exit. */
  stop(): Promise<void>;
}

/**
 * Starts one process per id and restarts each one that exits, until {@linkcode Supervisor.stop}.
 *
 * @param opts ids, how to spawn one, back-off
 */
export function superviseWorkers(opts: SuperviseOptions): Supervisor {
  const log = opts.log ?? ((line: string) => console.error(line));
  const backoff = opts.backoffMs ?? 1000;
  const maxBackoff = opts.maxBackoffMs ?? 60_000;
  const healthyAfter = opts.healthyAfterMs ?? 60_000;
  let stopping = false;
  const slots = opts.ids.map((id) => ({
    info: { id, pid: null, state: "running", restarts: 0, lastExit: null } as SupervisedWorker,
    child: null as Deno.ChildProcess | null,
    inRow: 0,
    timer: undefined as ReturnType<typeof setTimeout> | undefined,
    done: Promise.resolve(),
  }));

  function start(slot: (typeof slots)[number]): void {
    const child = slot.child = opts.spawn(slot.info.id);
    const startedAt = Date.now();
    slot.info.pid = child.pid;
    slot.info.state = "running";
    slot.done = child.status.then((status) => {
      slot.info.pid = null;
      const upMs = Date.now() - startedAt;
      slot.info.lastExit = describeExit(status, upMs);
      if (stopping) {
        slot.info.state = "stopped";
        return;
      }
      slot.inRow = upMs >= healthyAfter ? 1 : slot.inRow + 1;
      const wait = Math.min(maxBackoff, backoff * 2 ** (slot.inRow - 1));
      slot.info.state = "restarting";
      log(
        `[supervisor] worker ${slot.info.id} ${slot.info.lastExit}; ` +
          `starting it again in ${(wait / 1000).toFixed(1)} s`,
      );
      slot.timer = setTimeout(() => {
        if (stopping) return;
        slot.info.restarts++;
        start(slot);
      }, wait);
    });
  }

  for (const slot of slots) start(slot);
  return {
    workers: () => slots.map((s) => ({ ...s.info })),
    async stop() {
      stopping = true;
      for (const slot of slots) {
        clearTimeout(slot.timer);
        try {
          slot.child?.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      await Promise.all(slots.map((s) => s.done));
      for (const slot of slots) slot.info.state = "stopped";
    },
  };
}

/** "exited with status 70 after 3.2 s", "killed by SIGKILL after 12.0 s". */
function describeExit(status: Deno.CommandStatus, upMs: number): string {
  const how = status.signal
    ? `killed by ${status.signal}`
    : status.code === EXIT_RUNTIME_ABORTED
    ? `exited because its WebAssembly runtime aborted`
    : `exited with status ${status.code}`;
  return `${how} after ${(upMs / 1000).toFixed(1)} s`;
}
