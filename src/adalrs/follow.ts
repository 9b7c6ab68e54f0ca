/**
 * The trainer's side of a decision: take, restore and free snapshots as its action says. The
 * workers hold tensors; the simulators and synthetic trainers hold immutable values.
 *
 * @module
 */

import type { Action } from "./decision.ts";

/** How a trainer saves, loads and frees its snapshots. */
export interface SnapshotPort<S> {
  /** A snapshot of the trainer's current model and optimizer state. */
  save(): S;
  /** Makes `snapshot` the trainer's current state. */
  load(snapshot: S): void;
  /** Frees a snapshot the controller no longer needs (tensors, for instance). */
  free?(snapshot: S): void;
}

/**
 * Applies a decision's action to a trainer, then frees the snapshots no longer needed: one
 * implementation for the workers (tensors) and the value-state trainers ({@linkcode followAction}).
 *
 * @param snapshots the trainer's snapshots by id; updated in place
 * @param port how the trainer saves, loads and frees snapshots
 * @param action what the decision asks for
 * @param keep the snapshots the controller still needs (`heldSnapshots`, or an answer's `keep`)
 */
export function applyAction<S>(
  snapshots: Map<string, S>,
  port: SnapshotPort<S>,
  action: Action,
  keep: readonly string[],
): void {
  if (action.kind === "snapshot") snapshots.set(action.snapshotId, port.save());
  if (action.kind === "branch") snapshots.set(action.saveAs, port.save());
  if (action.kind === "restore" || action.kind === "branch") {
    const saved = snapshots.get(action.snapshotId);
    if (saved === undefined) throw new Error(`Unknown snapshot ${action.snapshotId}`);
    port.load(saved);
  }
  // After the load: the snapshot just restored may be one the controller no longer needs.
  for (const [id, snapshot] of [...snapshots]) {
    if (keep.includes(id)) continue;
    port.free?.(snapshot);
    snapshots.delete(id);
  }
}

/**
 * {@linkcode applyAction} for a trainer whose state is an immutable value (the simulators and the
 * synthetic trainers): snapshots are the values themselves.
 *
 * @param snapshots the trainer's snapshots by id; updated in place
 * @param state the trainer's state after the window
 * @param action what the decision asks for
 * @param keep the snapshots the controller still needs
 * @returns the state to train on from the next step
 *
 * @example
 * ```ts
 * import { followAction } from "./follow.ts";
 * const snapshots = new Map<string, number>([["s1", 5]]);
 * const next = followAction(snapshots, 9, { kind: "branch", snapshotId: "s1", saveAs: "s1t" }, [
 *   "s1",
 *   "s1t",
 * ]);
 * if (next !== 5 || snapshots.get("s1t") !== 9) throw new Error("branch saves, then restores");
 * ```
 */
export function followAction<S>(
  snapshots: Map<string, S>,
  state: S,
  action: Action,
  keep: readonly string[],
): S {
  let next = state;
  applyAction(snapshots, { save: () => state, load: (saved) => next = saved }, action, keep);
  return next;
}
