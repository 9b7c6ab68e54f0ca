/**
 * Worker heartbeats: each worker process keeps a record in the store saying who it is, which run
 * it trains and when it last beat, so that the service (and any host sharing a remote store) can
 * show which workers are alive.
 *
 * Key: `["worker", id]`. A record outlives its worker for an hour, so that a dead one shows as
 * not alive instead of vanishing.
 *
 * @module
 */

import { retryLocked } from "./kv_retry.ts";

/** What a worker says about itself on each beat. */
export interface WorkerBeat {
  id: string;
  pid: number;
  host: string;
  backend: string;
  startedAt: string;
  /** Wall time of the latest beat (ISO 8601). */
  beatAt: string;
  /** How often it beats, in milliseconds: a silence of several beats means it is gone. */
  beatEveryMs: number;
  /** The run it is training, or null while it looks for work. */
  runId: string | null;
}

/** A worker record as read back, with whether it still beats. */
export interface WorkerStatus extends WorkerBeat {
  alive: boolean;
}

/** Beats missed before a worker counts as gone. */
const MISSED_BEATS = 10;

const RECORD_TTL_MS = 3600 * 1000;

/** Writes (or refreshes) a worker's record. */
export async function recordBeat(kv: Deno.Kv, beat: WorkerBeat): Promise<void> {
  await retryLocked(() => kv.set(["worker", beat.id], beat, { expireIn: RECORD_TTL_MS }));
}

/** Removes a worker's record: it stopped on purpose. */
export async function removeBeat(kv: Deno.Kv, id: string): Promise<void> {
  await retryLocked(() => kv.delete(["worker", id]));
}

/**
 * Every worker record in the store, oldest start first.
 *
 * @param now the current wall time, to judge which workers still beat
 */
export async function listWorkers(kv: Deno.Kv, now = Date.now()): Promise<WorkerStatus[]> {
  const entries = await retryLocked(() =>
    Array.fromAsync(kv.list<WorkerBeat>({ prefix: ["worker"] }))
  );
  return entries
    .map(({ value }) => ({
      ...value,
      alive: now - Date.parse(value.beatAt) <= MISSED_BEATS * value.beatEveryMs,
    }))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
