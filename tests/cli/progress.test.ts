import assert from "node:assert/strict";
import { encodeLoss } from "../../src/adalrs/mod.ts";
import { RunDefinitionSchema, type RunEvent } from "../../src/events/mod.ts";
import { Progress } from "../../scripts/_progress.ts";

const definition = RunDefinitionSchema.parse({
  mode: "external",
  training: { steps: 1000 },
  optimizer: { lr: 1e-3 },
  schedule: { kind: "cosine", warmupSteps: 100, minRatio: 0.1 },
});
const event = <T extends RunEvent["type"]>(type: T, data: Extract<RunEvent, { type: T }>["data"]) =>
  ({ seq: 0, runId: "r", at: "", type, data }) as unknown as RunEvent;

Deno.test("Progress shows the LR in use during warmup, not the first step's", () => {
  const progress = new Progress(definition);
  assert.ok(Math.abs(progress.lr - 1e-5) < 1e-12, `step 0: ${progress.lr}`);
  progress.update(event("LossWindowRecorded", { fromStep: 0, losses: Array(50).fill(3) }));
  assert.ok(Math.abs(progress.lr - 5.1e-4) < 1e-12, `step 50: ${progress.lr}`);
});

Deno.test("Progress takes the final validation loss from RunCompleted, as the summary does", () => {
  const progress = new Progress(definition);
  progress.update(event("EvalRecorded", { step: 900, valLoss: encodeLoss(2.5) }));
  progress.update(event("RunCompleted", { step: 1000, valLoss: encodeLoss(2.25) }));
  assert.equal(progress.valLoss, 2.25);
});
