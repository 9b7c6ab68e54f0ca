/**
 * Keeping an upscale before its control branch ends (`earlyAccept`, revision 8): a trial branch
 * already ahead at an earlier settling window, beyond `earlyAccept` errors, is kept there.
 */
import assert from "node:assert/strict";
import {
  ADALRS_DEFAULTS,
  dataStep,
  heldSnapshots,
  revisionSettings,
} from "../../src/adalrs/mod.ts";
import { given, line, pairedSetup, Scenario } from "./_given.ts";

const REVISION_8 = {
  revision: 8,
  settle: 2,
  downscaleAfterSearch: false,
  repeatDownscale: true,
  downscaleOnTie: true,
  stopWhenBracketed: false,
  earlyAccept: 2,
} as const;
/** The trial branch's settling windows (compute steps 15-24), and its trial window before them. */
const SETTLE_1 = line(0.25, 1.6);
const SETTLE_2 = line(0.25, 1.5);
/** Observe, trigger (upscale from s1), trial window, two settling windows, first control window. */
const untilSecondControl = (settings: object = {}, trialWindow = line(0.5, 1.75)) =>
  given(
    pairedSetup({ ...REVISION_8, ...settings }),
    line(0.5, 3),
    line(0.25, 2),
    trialWindow,
    SETTLE_1,
    SETTLE_2,
    line(0.5, 1.8),
  );

Deno.test("earlyAccept is revision 8's default; older revisions compare at the last window only", () => {
  assert.ok(ADALRS_DEFAULTS.revision >= 8);
  assert.equal(ADALRS_DEFAULTS.earlyAccept, 2);
  assert.equal(revisionSettings(7).earlyAccept, 0);
  assert.equal(revisionSettings(8).earlyAccept, undefined, "revision 8 had it");
});

Deno.test("an upscale ahead beyond earlyAccept errors at its first settling window is kept there", () => {
  // The control branch's second window replays the first settling window's batches, 0.1 above.
  const kept = untilSecondControl().when(line(0.25, 1.7));
  const verdict = kept.then({
    rule: "trial-accept",
    mBefore: 1,
    mAfter: 3,
    action: { kind: "restore", snapshotId: "s1t" },
  });
  assert.equal(verdict.paired?.settleWindow, 1);
  assert.equal(verdict.paired?.trialFrom, 10);
  assert.equal(verdict.paired?.controlFrom, 25);
  assert.equal(verdict.trial?.mean, 1.6, "the evidence is the settling window compared");
  const state = kept.scenario.state;
  assert.deepEqual(heldSnapshots(state), []);
  // The restored trial branch trained steps 10-24's batches; the control branch stopped at 19.
  assert.equal(state.nextStep, 35);
  assert.equal(dataStep(state), 25);
  assert.equal(state.n, 1);
});

Deno.test("an upscale ahead by less than earlyAccept errors runs its whole control branch", () => {
  // Ahead by 0.03 on average, batch by batch, with an error of 0.024: more than 1 error, not 2.
  const control = untilSecondControl().when(
    SETTLE_1.map((x, i) => x + 0.02 + (i % 2 === 0 ? 0.05 : -0.05)),
  );
  control.then({ rule: "control-window", mAfter: 1, action: { kind: "continue" } });
  // The last window decides as before.
  control.scenario.when(SETTLE_2.map((x) => x + 0.125)).then({ rule: "trial-accept", mAfter: 3 });
});

Deno.test("earlyAccept 0 (revision 7 and before) compares only the last settling window", () => {
  untilSecondControl({ revision: 7, earlyAccept: 0 }).when(line(0.25, 1.7)).then({
    rule: "control-window",
  });
});

Deno.test("a downscale trial ahead at an earlier settling window is not kept early", () => {
  // Coming down: after a kept downscale the next trial is a downscale too (`repeatDownscale`).
  const observed = given(pairedSetup(REVISION_8), line(0.5, 3));
  const trial = new Scenario({ ...observed.state, lastKept: "down" }, []).when(line(0.25, 2));
  trial.then({ rule: "downscale-trial", mAfter: 0.5 });
  let branch = trial.scenario;
  for (const window of [line(0.5, 1.75), SETTLE_1, SETTLE_2, line(0.5, 1.8)]) {
    branch = branch.when(window).scenario;
  }
  branch.when(line(0.25, 1.7)).then({ rule: "control-window", mAfter: 0.5 });
});
