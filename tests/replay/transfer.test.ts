import assert from "node:assert/strict";
import { exportJsonl, importLossLog, parseJsonl, replayRun } from "../../src/replay/mod.ts";
import { memoryStore } from "../_fixtures.ts";

const sweep = (lr: string) =>
  Deno.readTextFileSync(
    new URL(`../../../shared/real-logs/cs336/lr_sweep_${lr}/metrics.jsonl`, import.meta.url),
  );

Deno.test("importLossLog() builds a completed external run from a real log; replay is identical", async () => {
  const store = await memoryStore();
  const view = await importLossLog(store, sweep("1e-3"), {
    name: "cs336 1e-3",
    adalrs: { window: 10 },
  });
  assert.equal(view.status, "completed");
  assert.equal(view.mode, "external");
  assert.equal(view.definition.optimizer.lr, 1e-3);
  assert.deepEqual([view.definition.tags.firstStep, view.definition.tags.lastStep], ["10", "5000"]);
  const events = await store.read(view.id);
  const report = replayRun(events);
  assert.equal(report.decisions.length, 50);
  assert.equal(report.different, 0);
  store.kv.close();
});

Deno.test("exportJsonl() and parseJsonl() round-trip a log; replay of the file matches", async () => {
  const store = await memoryStore();
  const view = await importLossLog(store, sweep("3e-2"), { name: "x", adalrs: { window: 20 } });
  const events = await store.read(view.id);
  const back = parseJsonl(exportJsonl(events));
  assert.deepEqual(back, events);
  assert.deepEqual(replayRun(back), replayRun(events));
  assert.throws(
    () => parseJsonl(exportJsonl(events.slice(1))),
    /Line 1: expected the event with seq 0/,
  );
  store.kv.close();
});

Deno.test("replayRun() flags a tampered decision, naming the field", async () => {
  const store = await memoryStore();
  const view = await importLossLog(store, sweep("1e-2"), { name: "x", adalrs: { window: 10 } });
  const events = await store.read(view.id);
  const tampered = events.map((e) =>
    e.type === "LrDecided" && e.data.decision.index === 3
      ? {
        ...e,
        data: { decision: { ...e.data.decision, mAfter: e.data.decision.mAfter * 1.0000001 } },
      }
      : e
  );
  const report = replayRun(tampered);
  assert.equal(report.different, 1);
  assert.deepEqual(report.decisions[3].differences, ["mAfter"]);
  store.kv.close();
});

Deno.test("replayRun() with overrides is a what-if: other settings, other decisions", async () => {
  const store = await memoryStore();
  const view = await importLossLog(store, sweep("1e-2"), { name: "x", adalrs: { window: 10 } });
  const events = await store.read(view.id);
  const whatIf = replayRun(events, { window: 25 });
  assert.equal(whatIf.decisions.length, 20);
  assert.deepEqual(whatIf.overrides, { window: 25 });
  store.kv.close();
});
