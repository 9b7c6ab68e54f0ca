/**
 * Retrying KV calls that SQLite refuses while another process holds its write lock.
 *
 * Several processes (the service and its workers) share one local KV file; SQLite answers
 * "database is locked" when two write at the same moment. The call is safe to repeat: a
 * commit that failed that way changed nothing.
 *
 * @module
 */

const ATTEMPTS = 60;

/** True for the transient errors of a shared SQLite file. */
export function isLockError(err: unknown): boolean {
  return err instanceof Error &&
    /database is locked|database table is locked|SQLITE_BUSY/i.test(err.message);
}

/**
 * Runs `call`, retrying with a growing, jittered delay while the database is locked.
 *
 * @param call the KV operation
 * @returns what the call returned
 */
export async function retryLocked<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!isLockError(err) || attempt >= ATTEMPTS) throw err;
      const delay = Math.min(200, 2 * attempt) * (0.5 + Math.random());
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
