import assert from "node:assert/strict";
import { SweepProgress } from "../../../src/research/experiment/mod.ts";
import { result } from "./_results.ts";

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

Deno.test("SweepProgress shows runs done, an overall bar and a line per finished run", () => {
  const { out, text } = sink(false);
  const progress = new SweepProgress({ expectedRuns: 4, out });
  progress.update([
    { label: "a", status: "completed", step: 100, totalSteps: 100, valLoss: 2 },
    { label: "b", status: "running", step: 50, totalSteps: 100, valLoss: null },
  ]);
  progress.finished(result(0, 2.25));
  assert.match(progress.summary(), /38% {2}1\/4 runs done/);
  assert.match(text(), /runs done/, "the first update prints a summary line");
  assert.match(text(), /completed: fixed 1\.00e-3: val loss 2\.2500/);
});

Deno.test("SweepProgress redraws its block in place on a terminal", () => {
  const { out, text } = sink(true);
  const progress = new SweepProgress({ out });
  const row = { label: "a", status: "running" as const, step: 1, totalSteps: 10, valLoss: null };
  progress.update([row]);
  progress.update([{ ...row, step: 2 }]);
  assert.ok(text().includes("\x1b[2A\x1b[J"), "moves up over the 2 lines drawn before");
  assert.match(text(), /▸ a +running +2\/10/);
});
