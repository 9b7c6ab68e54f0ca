/**
 * Reusing a run that other AdaLRS settings decide alike: only when refolding its losses with
 * them gives every decision it recorded.
 */
import assert from "node:assert/strict";
import { parseJsonl } from "../../../src/replay/mod.ts";
import { decidesAlike } from "../../../src/research/experiment/mod.ts";

const log = async () =>
  parseJsonl(
    await Deno.readTextFile(new URL("../../fixtures/revision3/managed-gpt.jsonl", import.meta.url)),
  );

Deno.test("decidesAlike(): a run's own settings, and settings its trials never read, decide alike", async () => {
  const events = await log();
  const created = events[0];
  assert.ok(created.type === "RunCreated");
  const own = created.data.definition.adalrs;
  assert.equal(decidesAlike(events, own), true);
  // `reference` only steers sequential trials; this run's were paired.
  assert.equal(decidesAlike(events, { ...own, reference: "trigger" }), true);
});

Deno.test("decidesAlike(): settings that change a decision do not", async () => {
  const events = await log();
  const created = events[0];
  assert.ok(created.type === "RunCreated");
  const own = created.data.definition.adalrs;
  // Revision 4 does not start the downscale trial this run started after its search phase.
  assert.equal(decidesAlike(events, { ...own, revision: 4, downscaleAfterSearch: false }), false);
  assert.equal(decidesAlike(events, { ...own, settle: 1 }), false);
});
