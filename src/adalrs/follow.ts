/**
 * The trainer's side of a decision, for trainers whose state is an immutable value (the
 * simulators and the synthetic trainers): snapshots are references, kept in a map by id.
 *
 * @module
 */

import type { Action } from "./decision.ts";

/**
 * Applies a decision's action to a value-state trainer and frees the snapshots no longer needed.
 *
 * @param snapshots the trainer's snapshots by id; updated in place
 * @param state the trainer's state after the window
 * @param action what the decision asks for
 * @param keep the snapshots the controller still needs (`heldSnapshots`, or an answer's `keep`)
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
  if (action.kind === "snapshot") snapshots.set(action.snapshotId, state);
  if (action.kind === "branch") snapshots.set(action.saveAs, state);
  if (action.kind === "restore" || action.kind === "branch") {
    const saved = snapshots.get(action.snapshotId);
    if (saved === undefined) throw new Error(`Unknown snapshot ${action.snapshotId}`);
    next = saved;
  }
  for (const id of [...snapshots.keys()]) if (!keep.includes(id)) snapshots.delete(id);
  return next;
}
