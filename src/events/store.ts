/**
 * The event store on Deno KV: one stream per run, dense `seq` from 0, atomic appends checked
 * against the stream head, idempotency keys, and the run's view kept beside the head.
 *
 * Keys:
 * - `["run", id]`: the run's view (its `seq` is the head of the stream)
 * - `["event", id, seq]`: one event
 * - `["idem", id, key]`: the result of an append made with an idempotency key
 * - `["active", id]`: present while the run is not terminal (what workers scan)
 *
 * @module
 */

import { createHash } from "node:crypto";
import type { RunDefinition } from "./definition.ts";
import { createdView, evolveRun, type RunView } from "./run_view.ts";
import { retryLocked } from "./kv_retry.ts";
import { isTerminal, type NewEvent, type RunEvent } from "./types.ts";

/** Largest serialized event or view we store; Deno KV refuses values over 64 KiB. */
export const MAX_VALUE_BYTES = 60_000;

/** Bytes one pending loss may take in the view: `-2.2250738585072014e-308,` is the longest. */
const PENDING_LOSS_BYTES = 25;

/** Room kept in the view for the last decision, trial and window statistics. */
const VIEW_HEADROOM_BYTES = 4096;

/** How long an idempotency key is remembered. */
const IDEMPOTENCY_TTL_MS = 7 * 24 * 3600 * 1000;

/** The outcome of an append. A conflict is a value, not an exception. */
export type AppendResult =
  | { ok: true; view: RunView; events: RunEvent[]; result: unknown; replayed: boolean }
  | { ok: false; conflict: { expectedSeq: number; actualSeq: number } };

/** The outcome of a create: a new run, the run a retried key made, or a key reused. */
export type CreateResult =
  | { kind: "created" | "replayed"; view: RunView }
  | { kind: "mismatch"; runId: string };

/** Thrown when an event would not fit in one KV value. */
export class ValueTooLargeError extends Error {}

/** A run's event log and its view, on Deno KV. */
export class EventStore {
  /** @param kv an open Deno KV handle (local file, `:memory:` or a remote URL) */
  constructor(readonly kv: Deno.Kv) {}

  /**
   * Creates a run: appends `RunCreated` as seq 0.
   *
   * @param definition the resolved run definition
   * @param now wall time of creation (ISO 8601)
   * @param opts `idempotencyKey`: a create retried with the same key makes no second run; it
   *   returns the first (`replayed`), or `mismatch` if that key created a different definition
   */
  async create(
    definition: RunDefinition,
    now = new Date(),
    opts: { idempotencyKey?: string } = {},
  ): Promise<RunView> {
    const created = await this.createOnce(definition, now, opts);
    if (created.kind === "mismatch") {
      throw new Error(`Idempotency key ${opts.idempotencyKey} created run ${created.runId}`);
    }
    return created.view;
  }

  /**
   * {@linkcode EventStore.create}, saying whether an idempotency key made it a replay, or was
   * already used for another definition.
   */
  async createOnce(
    definition: RunDefinition,
    now = new Date(),
    opts: { idempotencyKey?: string } = {},
  ): Promise<CreateResult> {
    const { idempotencyKey } = opts;
    const fingerprint = sha256Hex(JSON.stringify(definition));
    const keyed = idempotencyKey === undefined ? null : ["create-idem", idempotencyKey];
    if (keyed) {
      const earlier = await this.createdWith(keyed, fingerprint);
      if (earlier) return earlier;
    }
    const id = newRunId(now);
    const event: RunEvent & { type: "RunCreated" } = {
      seq: 0,
      runId: id,
      at: now.toISOString(),
      type: "RunCreated",
      data: { definition },
    };
    const view = createdView(event);
    checkSize(event);
    // The view also carries the losses of the window in progress: a definition that leaves no
    // room for a whole window would be accepted now and refuse every loss later.
    const window = definition.adalrs.window;
    checkSize(view, MAX_VALUE_BYTES - window * PENDING_LOSS_BYTES - VIEW_HEADROOM_BYTES, window);
    const op = this.kv.atomic()
      .check({ key: ["run", id], versionstamp: null })
      .set(["event", id, 0], event)
      .set(["run", id], view)
      .set(["active", id], true);
    if (keyed) {
      op.check({ key: keyed, versionstamp: null })
        .set(keyed, { runId: id, fingerprint }, { expireIn: IDEMPOTENCY_TTL_MS });
    }
    const commit = await retryLocked(() => op.commit());
    if (commit.ok) return { kind: "created", view };
    // Two tries of one create racing: the other one's commit holds the key.
    const earlier = keyed && await this.createdWith(keyed, fingerprint);
    if (earlier) return earlier;
    throw new Error(`Run id ${id} already exists`);
  }

  /** The run an idempotency key already created, if any. */
  private async createdWith(key: Deno.KvKey, fingerprint: string): Promise<CreateResult | null> {
    const found = await retryLocked(() => this.kv.get<{ runId: string; fingerprint: string }>(key));
    if (found.value === null) return null;
    const { runId } = found.value;
    if (found.value.fingerprint !== fingerprint) return { kind: "mismatch", runId };
    const view = await this.get(runId);
    return view && { kind: "replayed", view };
  }

  /**
   * The run's view as it stood right after event `seq`, folded from the log: for answers that
   * must be given again after the run moved on.
   */
  async viewAt(runId: string, seq: number): Promise<RunView | null> {
    let view: RunView | null = null;
    for (const event of await this.read(runId, { limit: seq + 1 })) view = evolveRun(view, event);
    return view;
  }

  /** The run's view, or null for an unknown run (or an id no run can have). */
  async get(runId: string): Promise<RunView | null> {
    // Not a key lookup: an id over KV's 2 KiB key limit would throw instead of being unknown.
    if (!isRunId(runId)) return null;
    return (await retryLocked(() => this.kv.get<RunView>(["run", runId]))).value;
  }

  /**
   * Appends events after `expectedSeq`, atomically: fails with a conflict if any other append
   * landed first. With an idempotency key, a retried append returns the first one's result.
   *
   * @param runId the run's id
   * @param events the events to append, in order
   * @param opts `expectedSeq`: the seq of the last event the caller saw; `idempotencyKey` and the
   *   `result` to remember under it; `now` the wall time to stamp
   */
  async append(
    runId: string,
    events: NewEvent[],
    opts: { expectedSeq: number; idempotencyKey?: string; result?: unknown; now?: Date },
  ): Promise<AppendResult> {
    if (opts.idempotencyKey !== undefined) {
      const done = await this.idempotent(runId, opts.idempotencyKey);
      if (done) return done;
    }
    if (!isRunId(runId)) throw new Error(`Unknown run ${runId}`);
    const head = await retryLocked(() => this.kv.get<RunView>(["run", runId]));
    if (head.value === null) throw new Error(`Unknown run ${runId}`);
    // A run that ended takes no more events, whoever holds its head: a worker that leased it
    // in the instant it completed (and its lease was released) must not reopen it.
    if (head.value.seq !== opts.expectedSeq || isTerminal(head.value.status)) {
      return { ok: false, conflict: { expectedSeq: opts.expectedSeq, actualSeq: head.value.seq } };
    }
    const at = (opts.now ?? new Date()).toISOString();
    let view = head.value;
    const stored: RunEvent[] = [];
    const op = this.kv.atomic().check(head);
    for (const e of events) {
      const event = { ...e, seq: view.seq + 1, runId, at } as RunEvent;
      checkSize(event);
      view = evolveRun(view, event);
      stored.push(event);
      op.set(["event", runId, event.seq], event);
    }
    checkSize(view);
    op.set(["run", runId], view);
    if (isTerminal(view.status)) op.delete(["active", runId]);
    const result = opts.result ?? null;
    if (opts.idempotencyKey !== undefined) {
      const key = ["idem", runId, opts.idempotencyKey];
      op.check({ key, versionstamp: null });
      // Only what the caller asked to keep: an answer the caller can re-derive from the events
      // (as recordRunLosses does) is not stored once per post.
      const kept = opts.result === undefined
        ? { seqs: stored.map((e) => e.seq) }
        : { seqs: stored.map((e) => e.seq), result };
      op.set(key, kept, { expireIn: IDEMPOTENCY_TTL_MS });
    }
    const commit = await retryLocked(() => op.commit());
    if (commit.ok) return { ok: true, view, events: stored, result, replayed: false };
    if (opts.idempotencyKey !== undefined) {
      const done = await this.idempotent(runId, opts.idempotencyKey);
      if (done) return done;
    }
    const now = await this.get(runId);
    return { ok: false, conflict: { expectedSeq: opts.expectedSeq, actualSeq: now?.seq ?? -1 } };
  }

  /** The stored outcome of an earlier append with this idempotency key, if any. */
  async idempotent(runId: string, key: string): Promise<AppendResult | null> {
    if (!isRunId(runId)) return null;
    const found = await retryLocked(() =>
      this.kv.get<{ seqs: number[]; result?: unknown }>(["idem", runId, key])
    );
    if (found.value === null) return null;
    const view = await this.get(runId);
    if (view === null) return null;
    const events = await Promise.all(
      found.value.seqs.map(async (seq) =>
        (await retryLocked(() => this.kv.get<RunEvent>(["event", runId, seq]))).value!
      ),
    );
    return { ok: true, view, events, result: found.value.result ?? null, replayed: true };
  }

  /**
   * Reads a page of a run's events, in seq order.
   *
   * @param runId the run's id
   * @param opts `after`: only events with a greater seq; `limit`: at most this many
   */
  async read(runId: string, opts: { after?: number; limit?: number } = {}): Promise<RunEvent[]> {
    const first = (opts.after ?? -1) + 1;
    // KV refuses a range whose start is past its end; past the last possible seq there is nothing.
    if (!isRunId(runId) || first >= Number.MAX_SAFE_INTEGER) return [];
    const start = ["event", runId, first];
    const end = ["event", runId, Number.MAX_SAFE_INTEGER];
    const entries = await retryLocked(() =>
      Array.fromAsync(this.kv.list<RunEvent>({ start, end }, { limit: opts.limit }))
    );
    return entries.map((e) => e.value);
  }

  /** Runs, newest first. */
  async list(opts: { limit?: number } = {}): Promise<RunView[]> {
    const entries = await retryLocked(() =>
      Array.fromAsync(
        this.kv.list<RunView>({ prefix: ["run"] }, { reverse: true, limit: opts.limit }),
      )
    );
    return entries.map((e) => e.value);
  }

  /** Ids of runs that are neither completed, failed nor cancelled, oldest first. */
  async activeIds(): Promise<string[]> {
    const entries = await retryLocked(() => Array.fromAsync(this.kv.list({ prefix: ["active"] })));
    return entries.map((e) => String(e.key[1]));
  }
}
/** Whether a string can be a run id: what {@linkcode newRunId} makes, letters and digits. */
export function isRunId(id: string): boolean {
  return /^[a-z0-9]{1,64}$/.test(id);
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** A run id that sorts by creation time: `r` + base-36 milliseconds + 6 random characters. */
function newRunId(now: Date): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0].toString(36).padStart(6, "0");
  return `r${now.getTime().toString(36)}${random.slice(0, 6)}`;
}

function checkSize(value: unknown, limit = MAX_VALUE_BYTES, window?: number): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > limit && window !== undefined) {
    throw new ValueTooLargeError(
      `Run definition too large: its stored view of ${bytes} bytes leaves no room for a window ` +
        `of ${window} losses (at most ${limit} bytes); shorten the name or tags`,
    );
  }
  if (bytes > limit) {
    throw new ValueTooLargeError(
      `Value of ${bytes} bytes is over the ${limit}-byte limit of one stored event`,
    );
  }
}
