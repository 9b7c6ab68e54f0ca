import assert from "node:assert/strict";
import { parseLossLog } from "../../src/replay/mod.ts";

const REAL = new URL("../../../shared/real-logs/", import.meta.url);
const read = (path: string) => Deno.readTextFileSync(new URL(path, REAL));

Deno.test("parseLossLog() reads the cs336 sweep's JSONL, skipping validation-only lines", () => {
  const log = parseLossLog(read("cs336/lr_sweep_3e-3/metrics.jsonl"));
  assert.equal(log.format, "jsonl");
  assert.equal(log.losses.length, 500);
  assert.deepEqual(log.steps.slice(0, 3), [10, 20, 30]);
  assert.equal(log.lrs[0], 0.00012);
});

Deno.test("parseLossLog() reads MultiPowerLaw's CSV with a step,lr,loss header", () => {
  const log = parseLossLog(read("MultiPowerLaw/csv_25/cosine_24000.csv"));
  assert.equal(log.format, "csv");
  assert.deepEqual([log.steps[0], log.losses[0], log.lrs[0]], [2160, 4.1114, 0.0003]);
});

Deno.test("parseLossLog() reads llm.c and modded-nanogpt text logs, ignoring code and evals", () => {
  const llmc = parseLossLog(read("modded-nanogpt/2024-10-13_llmc/main.log"));
  assert.equal(llmc.format, "text");
  assert.equal(llmc.losses.length, 19560);
  assert.deepEqual([llmc.steps[1], llmc.losses[1], llmc.lrs[1]], [1, 10.9598, 0.000002]);
  const dir = new URL("modded-nanogpt/2024-10-29_Optimizers/", REAL);
  for (const entry of Deno.readDirSync(dir)) {
    const log = parseLossLog(Deno.readTextFileSync(new URL(entry.name, dir)));
    assert.equal(log.losses.length, 5100, entry.name);
    assert.equal(log.steps[0], 1);
  }
});

Deno.test("parseLossLog() keeps NaN and Infinity as stored strings, from JSON and CSV", () => {
  const jsonl = parseLossLog(
    '{"step": 1, "loss": NaN}\n{"step": 2, "loss": Infinity}\n{"step": 3, "loss": 1.5}',
  );
  assert.deepEqual(jsonl.losses, ["NaN", "Infinity", 1.5]);
  const csv = parseLossLog("step,loss\n1,nan\n2,-inf\n3,2.0\n");
  assert.deepEqual(csv.losses, ["NaN", "-Infinity", 2]);
});

Deno.test("parseLossLog() names the line of an unreadable loss or a step going backwards", () => {
  assert.throws(
    () => parseLossLog("step,loss\n1,2\n2,abc\n"),
    /Line 3: loss "abc" is not a number/,
  );
  assert.throws(
    () => parseLossLog("step,loss\n5,2\n4,1\n"),
    /Line 3: step 4 does not come after step 5/,
  );
  assert.throws(() => parseLossLog("step,loss\n-1,2\n"), /Line 2: step "-1" is not a whole number/);
  assert.throws(() => parseLossLog("hello world\n"), /No training losses found/);
});
