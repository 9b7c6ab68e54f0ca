/**
 * What one switch of the LR mid-run can gain, on the real GPT (docs/results.md, "What a switch
 * can gain"). A run trains at `--start` times the fit LR, on the full profile's schedule, and from
 * step `--at` on at `--to` times it: the switch an oracle would make, with no trial and no
 * discarded step, so no search can do better by moving there at that step. One run per (at, to)
 * pair, each printed as a table row when it ends: the final validation loss and the curve.
 *
 *     deno task probe:switch --schedule cosine --start 9 --at 300 --to 1,3
 *
 * @module
 */

import { clock, LiveBlock, parseCommandLine, progressBar } from "../src/cli/mod.ts";
import { profileDefinition } from "../src/research/experiment/profiles.ts";
import { baseLr, type ScheduleKind } from "../src/schedule/mod.ts";
import { decodeCheckpoint, initBackend, type Trainer } from "../src/train/mod.ts";
import { PROBE_FLAGS, probeTrainer, SIZE } from "./_probe.ts";

const { values } = parseCommandLine({
  usage: "deno task probe:switch [--schedule cosine] [--start 9] [--at 300] [--to 1,3] [--seed 0]",
  about: "Final loss of a fixed-LR GPT run that switches to another LR at one step.",
  flags: {
    ...PROBE_FLAGS,
    start: { kind: "number", above: 0, default: 9, help: "the LR before the switch, x --fit" },
    at: { kind: "string", default: "300", help: "steps where the switch happens (one run each)" },
    to: { kind: "string", default: "1,3", help: "LRs after the switch, x --fit (one run each)" },
    "eval-every": { kind: "number", integer: true, min: 1, default: 300, help: "curve points" },
  },
});

/** A comma list of positive numbers, or an error naming the flag. */
function numbers(flag: string, text: string): number[] {
  const list = text.split(",").map(Number);
  if (list.some((x) => !Number.isFinite(x) || x <= 0)) {
    console.error(`--${flag} ${text}: expected positive numbers separated by commas`);
    Deno.exit(2);
  }
  return list;
}

/**
 * The L2 norm of every weight matrix and embedding together (not the biases and layer-norm
 * gains). Adam moves each weight by about the LR whatever its size, so the larger the weights, the
 * smaller a step is relative to them: the norm says how far a high LR has inflated the model.
 */
async function weightNorm(trainer: Trainer): Promise<number> {
  const { tensors } = decodeCheckpoint(await trainer.serialize());
  let sum = 0;
  for (const { name, shape, data } of tensors) {
    if (!name.startsWith("param/") || shape.length < 2) continue;
    for (const x of data) sum += x * x;
  }
  return Math.sqrt(sum);
}

const size = SIZE;
// The experiments' own definition: the same schedule, warmup and optimizer as their runs.
const definition = profileDefinition(size, values.schedule as ScheduleKind, values.seed);
const base = (step: number) => baseLr(definition.schedule, values.fit, step, size.steps);
const backend = await initBackend("wasm");
const pairs = numbers("at", values.at).flatMap((at) =>
  numbers("to", values.to).map((to) => ({ at, to }))
);
const live = new LiveBlock({ everyMs: 5000 });
const started = performance.now();

// Rows show above the progress bar as each run ends; the whole table goes to stdout at the end.
const rows = [
  `${values.schedule}, seed ${values.seed}: ${values.start}x the fit LR ${values.fit}, then`,
  `| from step | x fit | weight norm there | at the end | final val loss | validation every ${
    values["eval-every"]
  } steps |`,
  "| --- | --- | --- | --- | --- | --- |",
];
for (const [i, { at, to }] of pairs.entries()) {
  const trainer = probeTrainer(definition, backend);

  const curve: string[] = [];
  let normAt = NaN;
  for (let step = 0; step < size.steps; step++) {
    if (step === at) normAt = await weightNorm(trainer);
    await trainer.step(step, (step < at ? values.start : to) * base(step));
    if ((step + 1) % values["eval-every"] === 0) {
      curve.push((await trainer.evaluate(size.evalBatches)).toFixed(4));
    }
    const done = (i * size.steps + step + 1) / (pairs.length * size.steps);
    const elapsed = (performance.now() - started) / 1000;
    live.show([
      `${progressBar(done, 30)} run ${i + 1}/${pairs.length}, step ${step + 1}/${size.steps}` +
      `  elapsed ${clock(elapsed)}  ETA ${clock(elapsed * (1 / done - 1))}`,
    ]);
  }
  const final = await trainer.evaluate(size.evalBatches);
  const norms = [normAt, await weightNorm(trainer)].map((x) =>
    Number.isNaN(x) ? "—" : x.toFixed(1)
  );
  trainer.dispose();
  rows.push(`| ${at} | ${to} | ${norms.join(" | ")} | ${final.toFixed(4)} | ${curve.join(", ")} |`);
  live.print(rows.at(-1)!);
}
live.done();
console.log(rows.join("\n"));
