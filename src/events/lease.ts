/**
 * Worker leases on runs: an expiring claim, taken and renewed with atomic checks.
 *
 * Cross-process `watch` does not fire on the local SQLite backend, so workers poll for runs
 * whose lease is absent or expired and race to take them; the atomic check picks one winner.
 *
 * @module
 */

import { retryLocked } from "./kv_retry.ts";

/** A worker's claim on a run until `until` (epoch milliseconds). */
export interface Lease {
  workerId: string;
  until: number;
}

/** A lease held by this process, with the versionstamp that proves it is still ours. */
export interface HeldLease {
  runId: string;
  lease: Lease;
  versionstamp: string;
}

/**
 * Takes the lease of a run if it is free or expired.
 *
 * @param kv the store's KV handle
 * @param runId the run to lease
 * @param workerId who takes it
 * @param ttlMs how long the lease lasts unless renewed
 * @param now the current time in epoch milliseconds
 * @returns the held lease, or null if another worker holds a live one or won the race
 */
export async function acquireLease(
  kv: Deno.Kv,
  runId: string,
  workerId: string,
  ttlMs: number,
  now: number,
): Promise<HeldLease | null> {
  const current = await retryLocked(() => kv.get<Lease>(["lease", runId]));
  if (current.value && current.value.until > now && current.value.workerId !== workerId) {
    return null;
  }
  const lease = { workerId, until: now + ttlMs };
  const commit = await retryLocked(() =>
    kv.atomic().check(current).set(["lease", runId], lease).commit()
  );
  return commit.ok ? { runId, lease, versionstamp: commit.versionstamp } : null;
}

/**
 * Extends a held lease. Fails if anyone else touched it since we last did.
 *
 * @returns the renewed lease, or null if it was lost
 */
export async function renewLease(
  kv: Deno.Kv,
  held: HeldLease,
  ttlMs: number,
  now: number,
): Promise<HeldLease | null> {
  const lease = { workerId: held.lease.workerId, until: now + ttlMs };
  const commit = await retryLocked(() =>
    kv.atomic()
      .check({ key: ["lease", held.runId], versionstamp: held.versionstamp })
      .set(["lease", held.runId], lease)
      .commit()
  );
  return commit.ok ? { runId: held.runId, lease, versionstamp: commit.versionstamp } : null;
}

/** Gives a lease back if we still hold it. */
export async function releaseLease(kv: Deno.Kv, held: HeldLease): Promise<void> {
  await retryLocked(() =>
    kv.atomic()
      .check({ key: ["lease", held.runId], versionstamp: held.versionstamp })
      .delete(["lease", held.runId])
      .commit()
  );
}
