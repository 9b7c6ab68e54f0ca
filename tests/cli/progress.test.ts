import assert from "node:assert/strict";
import { encodeLoss } from "../../src/adalrs/mod.ts";
import { RunDefinitionSchema, type RunEvent } from "../../src/events/mod.ts";
import { clock, LiveBlock, progressBar } from "../../src/cli/mod.ts";
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

function sink(tty: boolean) {
  const chunks: string[] = [];
  return {
    text: () => chunks.join(""),
    out: {
      writeSync: (p: Uint8Array) => (chunks.push(new TextDecoder().decode(p)), p.length),
      isTerminal: () => tty,
    },
  };
}

Deno.test("LiveBlock off a terminal prints its plain form at most every everyMs, or when forced", () => {
  const { out, text } = sink(false);
  const block = new LiveBlock({ out, everyMs: 60_000 });
  block.show(["state 1", "detail"], { plain: ["state 1"] });
  block.show(["state 2"]);
  block.print("an event");
  block.show(["state 3"], { force: true });
  assert.equal(text(), "state 1\nan event\nstate 3\n");
});

Deno.test("LiveBlock on a terminal redraws its block in place, printed lines stay above", () => {
  const { out, text } = sink(true);
  const block = new LiveBlock({ out, everyMs: 60_000 });
  block.show(["a 1", "b 1"]);
  block.show(["a 2", "b 2"]);
  block.print("event");
  block.show(["a 3"]);
  block.done();
  block.print("after");
  assert.equal(
    text(),
    "a 1\nb 1\n" + "\x1b[2A\x1b[J" + "a 2\nb 2\n" + "\x1b[2A\x1b[J" + "event\n" + "a 3\n" +
      "after\n",
  );
});

Deno.test("progressBar() fills its share of cells; clock() writes m:ss and h:mm:ss", () => {
  assert.equal(progressBar(0.5, 8), "████░░░░");
  assert.equal(progressBar(1.5, 4), "████", "clamped");
  assert.deepEqual([clock(65), clock(3725), clock(NaN)], ["1:05", "1:02:05", "—"]);
});

Deno.test("Progress prints each decision above its line and ends on the final state", () => {
  const { out, text } = sink(false);
  const progress = new Progress(definition, out);
  progress.update(event("LossWindowRecorded", { fromStep: 0, losses: Array(50).fill(3) }));
  progress.update(event("RunCancelled", { step: 50, reason: "asked to" }));
  const lines = text().trimEnd().split("\n");
  assert.match(lines[0], /^█░+ 50\/1000 {2}loss 3\.000 {2}val — {2}lr 5\.10e-4/);
  assert.equal(lines[1], "RunCancelled: asked to");
  assert.match(lines[2], / 50\/1000 /);
});
