import assert from "node:assert/strict";
import fc from "fast-check";
import { EventStore } from "../../src/events/mod.ts";
import { importLossLog, parseLossLog, replayRun } from "../../src/replay/mod.ts";
import { FC, hostileString, snapshot } from "./_hostile.ts";

/** A loss as a log might write it, and the value it must come back as. */
const loggedLoss = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((
      x,
    ) => (x === 0 ? [0, 0] : [x, x])),
  },
  fc.constantFrom(["NaN", "NaN"], ["Infinity", "Infinity"], ["-Infinity", "-Infinity"]),
) as fc.Arbitrary<[number | string, number | string]>;

/** Strictly increasing steps with their losses. */
const goodLog = fc.array(fc.tuple(fc.integer({ min: 1, max: 50 }), loggedLoss), {
  minLength: 1,
  maxLength: 60,
}).map((rows) => {
  let step = -1;
  return rows.map(([gap, loss]) => ({ step: step += gap, loss }));
});

const ROUND_TRIPS: Record<string, (rows: { step: number; loss: [unknown, unknown] }[]) => string> =
  {
    jsonl: (rows) =>
      rows.map((r) =>
        typeof r.loss[0] === "string"
          ? `{"step": ${r.step}, "loss": ${r.loss[0]}, "note": "NaN here is text"}`
          : JSON.stringify({ step: r.step, loss: r.loss[0], note: "Infinity" })
      ).join("\n"),
    csv: (rows) =>
      "step,loss\n" +
      rows.map((r) => `${r.step},${typeof r.loss[0] === "string" ? r.loss[0] : r.loss[0]}`)
        .join("\r\n"),
    text: (rows) =>
      rows.map((r) => `step:${r.step}/9999 train_loss:${r.loss[0]} time:1ms`).join("\n"),
  };

Deno.test("fuzz parseLossLog(): a valid JSONL, CSV or text log reads back exactly", () => {
  fc.assert(
    fc.property(goodLog, fc.constantFrom("jsonl", "csv", "text"), (rows, format) => {
      const log = parseLossLog(ROUND_TRIPS[format](rows as never));
      assert.equal(log.format, format);
      assert.deepEqual(log.steps, rows.map((r) => r.step));
      assert.deepEqual(log.losses, rows.map((r) => r.loss[1]));
    }),
    FC,
  );
});

/** Lines that break a log: out of order, duplicated, fractional, negative, not numbers. */
const hostileLine = fc.oneof(
  hostileString,
  fc.tuple(
    fc.oneof(fc.double(), fc.integer({ min: -3, max: 9 })),
    fc.oneof(fc.double(), hostileString),
  )
    .chain(([step, loss]) =>
      fc.constantFrom(
        `${step},${loss}`,
        `{"step": ${step}, "loss": ${typeof loss === "string" ? JSON.stringify(loss) : loss}}`,
        `step:${step} loss:${loss}`,
        `{"step": ${JSON.stringify(String(step))}, "loss": ${JSON.stringify(loss)}}`,
      )
    ),
  fc.constantFrom("null", "[]", "{", "1e400,1", "1,1e400", "9007199254740993,1", ",", "step,loss"),
);

Deno.test("fuzz parseLossLog(): hostile logs give a log or an error naming the line, never a crash", () => {
  fc.assert(
    fc.property(
      fc.array(hostileLine, { maxLength: 12 }),
      fc.constantFrom("", "step,loss\n", '{"step":0,"loss":1}\n'),
      (lines, head) => {
        let log;
        try {
          log = parseLossLog(head + lines.join("\n"));
        } catch (err) {
          assert.equal((err as Error).constructor, Error, `${(err as Error).stack}`);
          assert.match((err as Error).message, /^Line \d+: |^No training losses found/);
          return;
        }
        assert.equal(log.steps.length, log.losses.length);
        assert.ok(log.steps.length > 0);
        log.steps.forEach((s, i) => {
          assert.ok(Number.isSafeInteger(s) && s >= 0);
          if (i > 0) assert.ok(s > log.steps[i - 1], "steps strictly increase");
        });
        for (const x of log.losses) {
          assert.ok(
            typeof x === "number"
              ? Number.isFinite(x)
              : ["NaN", "Infinity", "-Infinity"].includes(x),
          );
        }
      },
    ),
    { ...FC, numRuns: 400 },
  );
});

Deno.test("fuzz importLossLog(): a log becomes a replayable run, or an error that stores nothing", async () => {
  const store = new EventStore(await Deno.openKv(":memory:"));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          goodLog.map((rows) => ROUND_TRIPS.csv(rows as never)),
          fc.array(hostileLine, { maxLength: 8 }).map((l) => l.join("\n")),
        ),
        fc.record({
          name: fc.oneof(fc.constant("imported"), hostileString),
          lr: fc.option(fc.oneof(fc.double(), fc.constantFrom(1e-3, 0, -1, 1e9)), {
            nil: undefined,
          }),
          window: fc.constantFrom(4, 5, 10, 3, 2000),
        }),
        async (text, opts) => {
          const was = await snapshot(store);
          let view;
          try {
            view = await importLossLog(store, text, {
              name: opts.name,
              lr: opts.lr,
              adalrs: { window: opts.window },
            });
          } catch (err) {
            assert.equal((err as Error).constructor, Error, `${(err as Error).stack}`);
            assert.match(
              (err as Error).message,
              /^Line \d+: |^No training losses|^This log cannot/,
            );
            assert.equal(await snapshot(store), was, "a refused import stored something");
            return;
          }
          assert.equal(view.status, "completed");
          const events = await store.read(view.id);
          assert.equal(replayRun(events).different, 0);
        },
      ),
      { ...FC, numRuns: 100 },
    );
  } finally {
    store.kv.close();
  }
});

Deno.test("the import command answers hostile files and paths with one clear error line, exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-fuzz-cli-" });
  const files: Record<string, string> = {
    "nulls.jsonl": '{"step": 1, "loss": 2}\nnull\n',
    "backwards.csv": "step,loss\n5,1\n5,1\n",
    "fraction.csv": "step,loss\n1.5,1\n",
    "zero-lr.csv": "step,loss,lr\n1,2,0\n2,1,0\n",
  };
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  const targets = [
    ...Object.keys(files).map((f) => `${dir}/${f}`),
    `${dir}/../../../../nonexistent/../etc/passwd-not-here`,
    dir,
  ];
  const script = new URL("../../scripts/audit.ts", import.meta.url).pathname;
  const config = new URL("../../deno.json", import.meta.url).pathname;
  const outputs = await Promise.all(targets.map((target) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", config, script, "import", target, "--kv", `${dir}/kv`],
      stdout: "piped",
      stderr: "piped",
    }).output()
  ));
  const expected = [
    /Line 2: expected a JSON object/,
    /Line 3: step 5 does not come after/,
    /Line 2: step "1.5"/,
    /optimizer\.lr/,
    /No such file/,
    /./,
  ];
  outputs.forEach((out, i) => {
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 2, `${targets[i]}: ${stderr}`);
    assert.match(stderr, /^error: /);
    assert.match(stderr, expected[i]);
    assert.doesNotMatch(stderr, /\n\s+at |\.ts:\d+/, "no stack trace");
  });
  await Deno.remove(dir, { recursive: true });
});
