import assert from "node:assert/strict";
import { RunDefinitionSchema } from "../../../src/events/mod.ts";
import {
  buildReport,
  experimentFiles,
  findReusable,
  plannedRuns,
  runExperiment,
  trainingSpan,
  writeFiles,
} from "../../../src/research/experiment/mod.ts";
import { replayRun } from "../../../src/replay/mod.ts";
import { listRuns, readEvents } from "../../../src/client/mod.ts";
import { startEmbedded } from "../../../src/service/mod.ts";
import { meta } from "./_results.ts";

// The synthetic landscape's best LR is 1e-3. Centring the grid at 9e-3 puts the fit two points
// above the low edge, so the grid must grow by one point before fit/9 exists.
const base = RunDefinitionSchema.parse({
  name: "tiny",
  model: { kind: "synthetic" },
  training: { steps: 240, evalEvery: 60, checkpointEvery: 0 },
  optimizer: { lr: 1e-3 },
  schedule: { kind: "constant" },
  adalrs: { window: 10, searchStart: 0.1, searchEnd: 0.5 },
});

Deno.test({
  name: "runExperiment() sweeps, extends the grid, runs AdaLRS, and writes the results",
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "adalrs-experiment-" });
    const service = await startEmbedded({ dataDir: dir, workers: 2, pollMs: 50 });
    try {
      const outcome = await runExperiment(service, {
        base,
        grid: { center: 9e-3, spacing: 3 },
        points: 7,
        tag: "tiny",
        pollMs: 50,
        timeoutMs: 60_000,
      });
      const { sweep, fit, adalrs } = outcome;
      assert.deepEqual(sweep.runs.map((r) => r.index), [-4, -3, -2, -1, 0, 1, 2, 3]);
      assert.deepEqual(sweep.extended, [-4]);
      assert.equal(fit.index, -2, `fit at ${fit.startLr}`);
      assert.ok(Math.abs(fit.startLr / 1e-3 - 1) < 1e-9);
      assert.ok(sweep.runs.every((r) => r.status === "completed" && r.multiplier === 1));
      assert.ok(sweep.runs.every((r) => Number.isFinite(r.finalValLoss)));
      assert.deepEqual(adalrs.map((r) => r.index), [-4, -3, -1, 0]);
      assert.ok(adalrs.every((r) => r.role === "adalrs" && r.status === "completed"));
      assert.ok(adalrs.some((r) => r.multiplier !== 1), "AdaLRS moved no LR at all");
      assert.ok(adalrs.every((r) => r.steps === 240 && r.tokens === 240 && r.val.length > 0));
      // Each result names what trained it, from the run's lease.
      assert.ok([...sweep.runs, ...adalrs].every((r) => r.backend === "synthetic 1"));

      const events = await readEvents(service, adalrs[0].runId);
      assert.equal(replayRun(events).different, 0, "the AdaLRS run replays identically");

      const report = buildReport(outcome, { ...meta(), definition: base });
      assert.equal(report.rows.length, 9);
      assert.equal(report.cost.sweepRuns, 8);
      assert.equal(report.cost.ratio, 8);
      const files = await experimentFiles(report, (id) => readEvents(service, id));
      await writeFiles(`${dir}/out`, files);
      for (
        const f of [
          "results.md",
          "results.json",
          "val_loss.svg",
          "lr.svg",
          "loss_vs_lr.svg",
          "runs/fixed-fit.svg",
          "runs/adalrs-from-fit-div9.svg",
          "runs/adalrs-from-fit-x3.svg",
        ]
      ) {
        assert.ok((await Deno.stat(`${dir}/out/${f}`)).size > 200, `${f} missing`);
      }
      const json = JSON.parse(await Deno.readTextFile(`${dir}/out/results.json`));
      assert.equal(json.fit.runId, fit.runId);

      // A rerun reuses the finished runs instead of training them again.
      const again = await runExperiment(service, {
        base,
        grid: { center: 9e-3, spacing: 3 },
        points: 7,
        tag: "tiny",
        pollMs: 50,
        timeoutMs: 10_000,
      });
      assert.deepEqual(again.adalrs.map((r) => r.runId), adalrs.map((r) => r.runId));
      assert.equal(again.fit.runId, fit.runId);
      const span = (o: typeof outcome) => trainingSpan([...o.sweep.runs, ...o.adalrs]);
      assert.deepEqual(span(again), span(outcome), "a rerun reports the original training time");

      // Other AdaLRS settings leave the fixed-LR sweep the same runs: only AdaLRS trains again.
      const other = await runExperiment(service, {
        base: { ...base, adalrs: { ...base.adalrs, window: 12, reference: "trigger-return" } },
        grid: { center: 9e-3, spacing: 3 },
        points: 7,
        tag: "tiny",
        pollMs: 50,
        timeoutMs: 20_000,
      });
      const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId);
      assert.deepEqual(ids(other.sweep.runs), ids(outcome.sweep.runs));
      assert.ok(other.adalrs.every((r) => !ids(adalrs).includes(r.runId)));

      // With `equivalent`, settings that decide the recorded losses alike reuse those runs:
      // `reference` steers sequential trials only, and these were paired.
      const alike = await runExperiment(service, {
        base: { ...base, adalrs: { ...base.adalrs, reference: "trigger" } },
        grid: { center: 9e-3, spacing: 3 },
        points: 7,
        tag: "tiny",
        pollMs: 50,
        timeoutMs: 10_000,
        equivalent: true,
      });
      assert.deepEqual(ids(alike.adalrs), ids(adalrs));
    } finally {
      await service.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "runExperiment() with a given fit trains baselines at the fit and its starts only",
  sanitizeResources: true,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "adalrs-experiment-given-" });
    const service = await startEmbedded({ dataDir: dir, workers: 2, pollMs: 50 });
    try {
      const outcome = await runExperiment(service, {
        base: { ...base, training: { ...base.training, seed: 4 } },
        grid: { center: 1e-3, spacing: 3 },
        points: 7,
        tag: "tiny-given",
        fit: "given",
        offsets: [-2, -1],
        pollMs: 50,
        timeoutMs: 60_000,
      });
      assert.deepEqual(outcome.sweep.runs.map((r) => r.index), [-2, -1, 0]);
      assert.deepEqual(outcome.sweep.extended, []);
      assert.equal(outcome.fit.index, 0, "the given fit, not the sweep's best");
      assert.deepEqual(outcome.adalrs.map((r) => r.index), [-2, -1]);
      // What `--plan` counts: every planned run is in the store, finished; another seed's are not.
      const existing = await listRuns(service);
      const left = (seed: number) => {
        const runs = plannedRuns({
          base: { ...base, training: { ...base.training, seed } },
          grid: { center: 1e-3, spacing: 3 },
          tag: "tiny-given",
          offsets: [-2, -1],
        }, 0);
        return [...runs.fixed, ...runs.adalrs].filter((d) =>
          findReusable(existing, d)?.status !== "completed"
        ).length;
      };
      assert.equal(left(4), 0);
      assert.equal(left(5), 5);
    } finally {
      await service.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
