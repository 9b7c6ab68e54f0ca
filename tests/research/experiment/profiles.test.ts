import assert from "node:assert/strict";
import {
  estimateSeconds,
  profileDefinition,
  PROFILES,
} from "../../../src/research/experiment/mod.ts";
import { parameterCount } from "../../../src/train/gpt.ts";

Deno.test("profileDefinition() gives the full profile a GPT of >= 0.5M parameters on Moby Dick", () => {
  const d = profileDefinition(PROFILES.full, "wsd", 3);
  assert.equal(d.model?.kind, "gpt");
  if (d.model?.kind !== "gpt") return;
  const params = parameterCount({ ...d.model, contextLength: d.training.sequenceLength });
  assert.ok(params >= 500_000, `${params} parameters`);
  assert.equal(d.data?.corpus, "moby-dick");
  assert.equal(d.schedule.kind, "wsd");
  assert.equal(d.training.seed, 3);
  assert.equal(d.adalrs.window, 50, "AdaLRS's default window");
  assert.deepEqual([d.adalrs.searchStart, d.adalrs.searchEnd], [0.1, 0.4]);
  assert.ok(d.schedule.warmupSteps < d.adalrs.searchStart * d.training.steps);
});

Deno.test("the full profile fits 2 hours a schedule at its assumed pace; quick a few minutes", () => {
  const time = (p: typeof PROFILES.full | typeof PROFILES.quick) =>
    estimateSeconds({
      sweepRuns: 7,
      adalrsRuns: 4,
      steps: p.steps,
      secondsPerStep: p.secondsPerStep,
      workers: p.workers,
    });
  assert.ok(time(PROFILES.full) < 2 * 3600, `${time(PROFILES.full)} s`);
  assert.ok(time(PROFILES.quick) < 10 * 60, `${time(PROFILES.quick)} s`);
  // 7 sweep runs on 2 workers are 4 rounds, then 2 rounds of AdaLRS runs.
  assert.equal(
    estimateSeconds({ sweepRuns: 7, adalrsRuns: 4, steps: 100, secondsPerStep: 1, workers: 2 }),
    600,
  );
});
