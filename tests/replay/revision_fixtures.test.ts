/**
 * The audit promise across upgrades: logs recorded by earlier controller revisions replay
 * identical with today's code, because each run's log pins the behaviour that decided it.
 */
import assert from "node:assert/strict";
import { diff, parseJsonl, replayRun, runCurves } from "../../src/replay/mod.ts";

const FIXTURES = new URL("../fixtures/", import.meta.url);

/** Replays a fixture log, which must replay identical; its `RunCreated` and the report. */
async function replayFixture(file: string) {
  const events = parseJsonl(await Deno.readTextFile(new URL(file, FIXTURES)));
  const created = events[0];
  assert.ok(created.type === "RunCreated");
  const report = replayRun(events);
  assert.equal(report.different, 0, JSON.stringify(report.decisions.find((d) => !d.identical)));
  return { events, created, report };
}

/** A fixture of an opt-in setting's revision: it must have been recorded with that setting on. */
async function replayOptIn(
  file: string,
  revision: number,
  setting: "controlVariate" | "bracketCeiling" | "noiseWindow",
) {
  const replayed = await replayFixture(file);
  const { adalrs } = replayed.created.data.definition;
  assert.deepEqual([adalrs.revision, adalrs[setting]], [revision, true]);
  return replayed;
}

/** Logs exported from runs that controller revision 2 decided (before revision 3 existed). */
const REVISION_2 = [
  "revision2/external-synthetic.jsonl",
  "revision2/managed-synthetic.jsonl",
  "revision2/managed-gpt.jsonl",
];

for (const file of REVISION_2) {
  Deno.test(`a revision-2 log replays identical: ${file}`, async () => {
    const { created, report } = await replayFixture(file);
    assert.equal(created.data.definition.adalrs.revision, undefined, "recorded before pinning");
    assert.ok(report.decisions.length >= 40, `${report.decisions.length} decisions`);
    // The log exercises trials, not only observation.
    const rules = new Set(report.decisions.map((d) => d.derived.rule));
    assert.ok(rules.has("upscale-trial") && rules.has("trial-return"), [...rules].join(", "));
  });
}

/**
 * Logs exported from runs that paired revisions decided, each before the next change of the rules:
 * an external synthetic run and a managed synthetic run from 10x above, and a managed GPT run of
 * docs/results.md. Revision 3's GPT run (cosine, seed 0, from fit/9) and every revision-3 log have
 * a downscale trial after the search phase, which revision 4 no longer starts; revision 4's
 * (cosine, seed 0, from fit·9) lost both its downscale trials on settled branches, and its logs
 * predate `compare`. Under `next`, the next change, the same losses decide differently.
 */
const PAIRED_REVISIONS = [
  { revision: 3, next: { revision: 4, downscaleAfterSearch: false } },
  { revision: 4, next: { compare: "cooldown" } },
] as const;

for (const { revision, next } of PAIRED_REVISIONS) {
  for (const kind of ["external-synthetic", "managed-synthetic", "managed-gpt"]) {
    const file = `revision${revision}/${kind}.jsonl`;
    Deno.test(`a revision-${revision} log replays identical: ${file}`, async () => {
      const { events, created, report } = await replayFixture(file);
      assert.equal(created.data.definition.adalrs.revision, revision);
      assert.ok(report.decisions.length >= 60, `${report.decisions.length} decisions`);
      const rules = new Set(report.decisions.map((d) => d.derived.rule));
      assert.ok(rules.has("trial-branch") && rules.has("trial-reject"), [...rules].join(", "));
      // The next change of the rules decides the same losses differently: replay used this log's.
      const later = replayRun(events, next);
      const recorded = report.decisions.map((d) => d.derived.rule);
      assert.ok(later.decisions.some((d, i) => d.derived.rule !== recorded[i]));
    });
  }
}

Deno.test("a revision-5 GPT run with cooled verdicts replays identical: revision5/managed-gpt-cooldown.jsonl", async () => {
  // docs/controller.md, "Cooled verdicts": cosine, seed 0, from fit·9, down to 1.18x the fit.
  const { created, report } = await replayFixture("revision5/managed-gpt-cooldown.jsonl");
  assert.deepEqual(
    [created.data.definition.adalrs.revision, created.data.definition.adalrs.compare],
    [5, "cooldown"],
  );
  const rules = report.decisions.map((d) => d.derived.rule);
  assert.equal(rules.filter((r) => r === "control-cooldown").length, 4);
  assert.equal(rules.filter((r) => r === "trial-accept").length, 3);
});

Deno.test("a revision-5 GPT run on the default rules replays identical, and aborting would have decided it otherwise", async () => {
  // docs/results.md: WSD, seed 2, from fit·9; its upscale to 27x rose 21% in its trial window.
  const { events, created, report } = await replayFixture("revision5/managed-gpt.jsonl");
  assert.equal(created.data.definition.adalrs.revision, 5);
  assert.equal(created.data.definition.adalrs.abortRise, undefined, "recorded before the setting");
  const rules = report.decisions.map((d) => d.derived.rule);
  assert.deepEqual(rules.filter((r) => r.startsWith("trial-") && r !== "trial-return"), [
    ...["trial-settle", "trial-branch", "trial-reject"],
    ...["trial-settle", "trial-branch", "trial-accept"],
    ...["trial-settle", "trial-branch", "trial-accept"],
  ]);
  const aborting = replayRun(events, { abortRise: 0.1 }).decisions.map((d) => d.derived.rule);
  assert.equal(aborting[6], "trial-abort");
});

Deno.test("a revision-6 GPT run with aborts replays identical: revision6/managed-gpt-abort.jsonl", async () => {
  // docs/controller.md, "Stopping a blown-up upscale": the same start as the revision-5 log above.
  const { events, created, report } = await replayFixture("revision6/managed-gpt-abort.jsonl");
  assert.deepEqual(
    [created.data.definition.adalrs.revision, created.data.definition.adalrs.abortRise],
    [6, 0.1],
  );
  const rules = report.decisions.map((d) => d.derived.rule);
  assert.equal(rules[6], "trial-abort");
  assert.equal(rules.filter((r) => r === "trial-revert").length, 1, "the downscale trial lost");
  assert.ok(rules.filter((r) => r === "ceiling").length >= 3, "and no upscale was tried again");
  // The plots shade the aborted window as thrown away.
  assert.deepEqual(runCurves(events).abandoned[0], { fromStep: 300, toStep: 349, why: "rollback" });
  // Without the setting the same losses are settled and compared: a what-if, not this run.
  assert.equal(replayRun(events, { abortRise: 0 }).decisions[6].derived.rule, "trial-return");
});

Deno.test("a revision-7 GPT run replays identical, and keeping upscales early would have decided it otherwise", async () => {
  // docs/results.md, "Short runs": cosine, seed 1, from fit/9 at 1,500 steps (window 37, settle 3).
  const { events, created, report } = await replayFixture("revision7/managed-gpt.jsonl");
  assert.equal(created.data.definition.adalrs.revision, 7);
  assert.equal(created.data.definition.adalrs.earlyAccept, undefined, "recorded before it");
  const rules = report.decisions.map((d) => d.derived.rule);
  assert.deepEqual(rules.slice(8, 12), [
    "trial-branch",
    "control-window",
    "control-window",
    "control-window",
  ]);
  assert.equal(rules[12], "trial-accept");
  // Revision 8 keeps its first upscale after replaying one settling window, not three.
  const early = replayRun(events, { earlyAccept: 2 }).decisions[10].derived;
  assert.deepEqual([early.rule, early.paired?.settleWindow], ["trial-accept", 1]);
});

Deno.test("a revision-8 GPT run that kept an upscale early replays identical: revision8/managed-gpt.jsonl", async () => {
  // docs/results.md, "Revision 8": cosine, seed 0, from fit/9, 3,000 steps.
  const { events, created, report } = await replayFixture("revision8/managed-gpt.jsonl");
  assert.deepEqual(
    [created.data.definition.adalrs.revision, created.data.definition.adalrs.earlyAccept],
    [8, 2],
  );
  const accepts = report.decisions.filter((d) => d.derived.rule === "trial-accept");
  assert.deepEqual(accepts.map((d) => d.derived.paired?.settleWindow), [1, undefined]);
  // The run trained on: the next window after the early accept is at the trial branch's batches.
  const [early] = accepts;
  assert.equal(early.derived.window.toStep, 549);
  // Revision 7's rules would have run the control branch's third window instead.
  const later = replayRun(events, { earlyAccept: 0 }).decisions[early.derived.index].derived;
  assert.equal(later.rule, "control-window");
});

Deno.test("a revision-9 GPT run fitted against reference losses replays identical: revision9/managed-gpt-control-variate.jsonl", async () => {
  // docs/controller.md, "Revision 9": cosine, seed 0, from fit/3, 3,000 steps, controlVariate on.
  const { events, report } = await replayOptIn(
    "revision9/managed-gpt-control-variate.jsonl",
    9,
    "controlVariate",
  );
  assert.ok(report.decisions.every((d) => d.derived.window.stats?.c !== undefined));
  // The fitted slope saw the descent slow at step 349; the plain one would have waited a window.
  assert.equal(report.decisions[6].derived.rule, "upscale-trial");
  const plain = replayRun(events, { controlVariate: false }).decisions[6].derived;
  assert.deepEqual([plain.rule, plain.window.stats?.c], ["observe", undefined]);
});

Deno.test("today's rules on a revision-2 log are a what-if: paired trials, not replay", async () => {
  const events = parseJsonl(await Deno.readTextFile(new URL(REVISION_2[1], FIXTURES)));
  const report = replayRun(events, { revision: 3, trial: "paired" });
  assert.ok(report.decisions.some((d) => d.derived.rule === "trial-branch"));
  assert.deepEqual(report.overrides, { revision: 3, trial: "paired" });
});

Deno.test("a resume's state recorded by an older revision matches on the fields it recorded", () => {
  // A revision-3 state has no `lastKept`, and its settings lack revision 4's.
  const recorded = { m: 3, pending: [1.5, 1.4], setup: { adalrs: { revision: 3, settle: 2 } } };
  const derived = {
    m: 3,
    pending: [1.5, 1.4],
    lastKept: null,
    setup: { adalrs: { revision: 3, settle: 2, downscaleAfterSearch: true } },
  };
  assert.deepEqual(diff(recorded, derived, true), []);
  assert.deepEqual(diff(recorded, derived).sort(), [
    "lastKept",
    "setup.adalrs.downscaleAfterSearch",
  ]);
  // What it did record must still agree, arrays whole.
  assert.deepEqual(diff({ ...recorded, m: 1 }, derived, true), ["m"]);
  assert.deepEqual(diff(recorded, { ...derived, pending: [1.5, 1.4, 1.3] }, true), ["pending.2"]);
});

Deno.test("a revision-10 GPT run with a ceiling from its bracket replays identical: revision10/managed-gpt-bracket-ceiling.jsonl", async () => {
  // docs/controller.md, "Revision 10": cosine, seed 0, from fit·9, 3,000 steps, bracketCeiling on.
  const { events, report } = await replayOptIn(
    "revision10/managed-gpt-bracket-ceiling.jsonl",
    10,
    "bracketCeiling",
  );
  // The upscale lost by far more than the downscale after it: the next slowdown tries nothing.
  const bracket = report.decisions.find((d) => d.derived.rule === "trial-revert")!.derived;
  const lost = bracket.paired!.lostUpscale!;
  assert.ok(lost.difference - bracket.paired!.difference > lost.e + bracket.paired!.e);
  assert.equal(report.decisions[20].derived.rule, "ceiling");
  // Without the setting, revision 9's rules retry the upscale there.
  const retried = replayRun(events, { bracketCeiling: false }).decisions[20].derived;
  assert.deepEqual([retried.rule, retried.mBefore], ["upscale-trial", 1]);
});

Deno.test("a revision-11 GPT run with windows sized from its noise replays identical: revision11/managed-gpt-noise-window.jsonl", async () => {
  // docs/controller.md, "Revision 11": cosine, seed 0, from fit/9, 3,000 steps, noiseWindow on.
  const { events, report } = await replayOptIn(
    "revision11/managed-gpt-noise-window.jsonl",
    11,
    "noiseWindow",
  );
  // The last window before step 300 sized every window after it: 24 losses, 5 settling windows.
  const sizing = report.decisions[4].derived;
  assert.deepEqual([sizing.window.toStep, sizing.sized?.window, sizing.sized?.settle], [
    249,
    24,
    5,
  ]);
  const { fromStep, toStep } = report.decisions[5].derived.window;
  assert.deepEqual([fromStep, toStep], [250, 273]);
  // Without the setting, revision 10's windows of 50 fold the same losses otherwise.
  const plain = replayRun(events, { noiseWindow: false }).decisions;
  assert.equal(plain[5].derived.window.toStep, 299);
});
