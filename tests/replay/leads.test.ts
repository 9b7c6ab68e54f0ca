/**
 * `branchLeads`: a paired verdict's branches compared at every settling window, from the log.
 */
import assert from "node:assert/strict";
import { branchLeads, parseJsonl } from "../../src/replay/mod.ts";

const fixture = async (file: string) =>
  parseJsonl(await Deno.readTextFile(new URL(`../fixtures/${file}`, import.meta.url)));

Deno.test("branchLeads() gives each settled verdict's lead at every settling window, in order", async () => {
  // Revision 4, cosine seed 0 from fit·9: an upscale that lost, the downscale after it, another.
  const verdicts = branchLeads(await fixture("revision4/managed-gpt.jsonl"));
  assert.deepEqual(
    verdicts.map((v) => [v.index, v.rule, v.direction, v.leads.length]),
    [[11, "trial-reject", "up", 2], [17, "trial-revert", "down", 2], [26, "trial-reject", "up", 2]],
  );
  // The last window's lead is the verdict's own evidence, to the bit.
  const events = await fixture("revision4/managed-gpt.jsonl");
  for (const v of verdicts) {
    const decided = events.find((e) => e.type === "LrDecided" && e.data.decision.index === v.index);
    assert.ok(decided?.type === "LrDecided");
    const last = v.leads.at(-1)!;
    assert.deepEqual([last.difference, last.e], [
      decided.data.decision.paired!.difference,
      decided.data.decision.paired!.e,
    ]);
  }
  // The downscale led at its first settling window and was behind at its last.
  const [first, second] = verdicts[1].leads;
  assert.ok(first.difference < -first.e && second.difference > second.e);
});

Deno.test("branchLeads() reads a kept upscale's lead at each of three settling windows", async () => {
  const [kept] = branchLeads(await fixture("revision7/managed-gpt.jsonl"));
  assert.deepEqual(
    [kept.rule, kept.direction, kept.mTrial, kept.step, kept.settle],
    ["trial-accept", "up", 3, 480, 3],
  );
  assert.deepEqual(kept.leads.map((l) => Math.round(l.difference / l.e)), [-13, -22, -18]);
});

Deno.test("branchLeads() skips cooled verdicts, which compare cooldowns, not settling windows", async () => {
  assert.deepEqual(branchLeads(await fixture("revision5/managed-gpt-cooldown.jsonl")), []);
});

Deno.test("branchLeads() stops at the settling window an early accept compared", async () => {
  const [early, late] = branchLeads(await fixture("revision8/managed-gpt.jsonl"));
  assert.deepEqual([early.rule, early.settle, early.leads.map((l) => l.window)], [
    "trial-accept",
    2,
    [1],
  ]);
  assert.ok(early.leads[0].difference < -2 * early.leads[0].e);
  assert.deepEqual([late.rule, late.leads.map((l) => l.window)], ["trial-accept", [1, 2]]);
});
