/**
 * What must hold of a run's log after any fault: dense seqs, no window recorded twice or
 * skipped on the branch that counts, a terminal status with a reason, and a replay that
 * re-derives every decision identically.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type EventStore, isAbandoned, type RunEvent } from "../../src/events/mod.ts";
import { replayRun } from "../../src/replay/mod.ts";

/**
 * Checks a run's whole log and returns it.
 *
 * @param acked idempotency keys whose posts got a 200: each must be in the log exactly once,
 *   and no other keyed window may be there
 */
export async function assertIntact(
  store: EventStore,
  runId: string,
  acked?: string[],
): Promise<RunEvent[]> {
  const view = (await store.get(runId))!;
  const events = await store.read(runId);
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i), `${runId}: seqs not dense`);
  assert.equal(events.at(-1)!.seq, view.seq, `${runId}: the view's head is not the last event`);
  assert.equal(events[0].type, "RunCreated");
  if (view.status === "failed" || view.status === "cancelled") {
    assert.ok(view.reason, `${runId} ended ${view.status} without a reason`);
  } else {
    assert.equal(view.status, "completed", `${runId} is still ${view.status}`);
  }
  // On the branch that counts (not abandoned by a resume), windows tile the steps exactly.
  let next = 0;
  for (const e of events) {
    if (e.type !== "LossWindowRecorded" || isAbandoned(view, e.seq)) continue;
    assert.equal(e.data.fromStep, next, `${runId}: window at ${e.data.fromStep}, expected ${next}`);
    next = e.data.fromStep + e.data.losses.length;
  }
  assert.equal(next, view.progress.step, `${runId}: windows end at ${next}`);
  if (acked) {
    const keys = events.flatMap((e) =>
      e.type === "LossWindowRecorded" && e.data.idempotencyKey ? [e.data.idempotencyKey] : []
    );
    assert.equal(new Set(keys).size, keys.length, `${runId}: a keyed window is in the log twice`);
    assert.deepEqual([...keys].sort(), [...acked].sort(), `${runId}: acked windows != stored`);
  }
  const report = replayRun(events);
  assert.equal(report.different, 0, `${runId}: replay differs`);
  assert.ok(report.resumes.every((r) => r.identical), `${runId}: a resume's state differs`);
  return events;
}

/** The `RunLeased` events of a log, as their payloads. */
export function leases(events: RunEvent[]) {
  return events.flatMap((e) => (e.type === "RunLeased" ? [{ seq: e.seq, ...e.data }] : []));
}
