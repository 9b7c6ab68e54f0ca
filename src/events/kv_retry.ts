/**
 * Retrying KV writes that lost a race, the two ways they can lose it.
 *
 * - Locked: several processes (the service and its workers) share one local KV file; SQLite
 *   answers "database is locked" when two write at the same moment. The call is safe to repeat:
 *   a commit that failed that way changed nothing.
 * - Conflict: an atomic commit checked against a head another writer moved first. The caller
 *   must read the head again and decide again, so the whole attempt is repeated, not the commit.
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

/** What an attempt given to {@linkcode retryConflicts} returns when another writer won. */
export const CONFLICT: unique symbol = Symbol("conflict");

/** Thrown when every attempt of {@linkcode retryConflicts} lost to another writer. */
export class ConflictRetriesExhausted extends Error {
  /**
   * @param what the write that was attempted, for the message
   * @param attempts how many attempts were made
   */
  constructor(readonly what: string, readonly attempts: number) {
    super(
      `${what}: gave up after ${attempts} attempts, each beaten by another writer; ` +
        `nothing was written, retry`,
    );
    this.name = "ConflictRetriesExhausted";
  }
}

/**
 * Runs `attempt` (read the head, decide, commit checked against that head) again while it
 * answers {@linkcode CONFLICT}, at most `attempts` times. Errors it throws are never retried.
 *
 * @param what the write, named in the error when every attempt conflicted (`"Cancelling run x"`)
 * @param attempt one read-decide-commit; returns its result, or `CONFLICT` if the commit lost
 * @param opts `attempts`: the most attempts made
 * @returns the first result that was not a conflict
 * @throws {ConflictRetriesExhausted} when all `attempts` conflicted
 *
 * @example Retry an increment until its checked commit wins
 * ```ts
 * import { CONFLICT, retryConflicts } from "./kv_retry.ts";
 *
 * const kv = await Deno.openKv(":memory:");
 * const next = await retryConflicts("Counting", async () => {
 *   const head = await kv.get<number>(["n"]);
 *   const value = (head.value ?? 0) + 1;
 *   const commit = await kv.atomic().check(head).set(["n"], value).commit();
 *   return commit.ok ? value : CONFLICT;
 * });
 * if (next !== 1) throw new Error(`expected 1, got ${next}`);
 * kv.close();
 * ```
 */
export async function retryConflicts<T>(
  what: string,
  attempt: () => Promise<T | typeof CONFLICT>,
  opts: { attempts?: number } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 20;
  if (!Number.isInteger(attempts) || attempts < 1) {
    throw new RangeError(`attempts must be a positive integer, got ${attempts}`);
  }
  for (let n = 1; n <= attempts; n++) {
    const result = await attempt();
    if (result !== CONFLICT) return result as T;
  }
  throw new ConflictRetriesExhausted(what, attempts);
}
