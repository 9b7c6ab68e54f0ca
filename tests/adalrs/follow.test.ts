import assert from "node:assert/strict";
import { applyAction, followAction } from "../../src/adalrs/mod.ts";

/** A trainer with mutable state and snapshots that must be freed, like a worker's tensors. */
function mutableTrainer(weights: number) {
  const log: string[] = [];
  let live = weights;
  const port = {
    save: () => {
      log.push(`save ${live}`);
      return { weights: live, freed: false };
    },
    load: (s: { weights: number; freed: boolean }) => {
      assert.ok(!s.freed, "a snapshot is loaded before it is freed");
      log.push(`load ${s.weights}`);
      live = s.weights;
    },
    free: (s: { weights: number; freed: boolean }) => {
      s.freed = true;
      log.push(`free ${s.weights}`);
    },
  };
  return {
    port,
    log,
    get weights() {
      return live;
    },
    set weights(w: number) {
      live = w;
    },
  };
}

Deno.test("applyAction() snapshots, branches and restores, loading before freeing", () => {
  const t = mutableTrainer(1);
  const snapshots = new Map<string, { weights: number; freed: boolean }>();
  applyAction(snapshots, t.port, { kind: "snapshot", snapshotId: "s3" }, ["s3"]);
  t.weights = 2; // the trial branch trains on
  applyAction(snapshots, t.port, { kind: "branch", snapshotId: "s3", saveAs: "s3t" }, [
    "s3",
    "s3t",
  ]);
  assert.equal(t.weights, 1, "the control branch starts from the snapshot");
  t.weights = 3; // the control branch trains on
  // The trial branch won: restore it; the controller then holds nothing.
  applyAction(snapshots, t.port, { kind: "restore", snapshotId: "s3t" }, []);
  assert.equal(t.weights, 2);
  assert.equal(snapshots.size, 0);
  assert.deepStrictEqual(t.log, ["save 1", "save 2", "load 1", "load 2", "free 1", "free 2"]);
});

Deno.test("applyAction() names a snapshot it does not hold, and frees what is not kept", () => {
  const t = mutableTrainer(1);
  const snapshots = new Map([["s0", { weights: 0, freed: false }]]);
  assert.throws(
    () => applyAction(snapshots, t.port, { kind: "restore", snapshotId: "s9" }, []),
    /Unknown snapshot s9/,
  );
  applyAction(snapshots, t.port, { kind: "continue" }, []);
  assert.equal(snapshots.size, 0);
  assert.deepStrictEqual(t.log, ["free 0"]);
});

Deno.test("followAction() is applyAction() for value-state trainers", () => {
  const snapshots = new Map<string, string>();
  let state = followAction(snapshots, "a", { kind: "snapshot", snapshotId: "s0" }, ["s0"]);
  assert.equal(state, "a");
  state = followAction(snapshots, "b", { kind: "restore", snapshotId: "s0" }, []);
  assert.equal(state, "a");
  assert.equal(snapshots.size, 0);
});
