/**
 * What a paired trial's verdict should compare, probed on the real GPT (docs/controller.md,
 * "Revision 5"). A run trains at a fixed LR (`--start` times the fit LR); at each step of `--at` it
 * branches from one snapshot into three windows of `--k` steps on the same batches: the same LR, an
 * upscale (x3) and a downscale (x0.5). Each branch is then measured two ways, from the same saved
 * state: settled (`--settle` steps back at the run's LR, what `compare: "settled"` judges) and
 * cooled (`--cool` steps with its own LR falling linearly to a common floor, a fraction of the
 * run's LR, zero being what `compare: "cooldown"` judges). It prints each trial branch minus the
 * control branch, batch by batch, with one standard error, and the validation loss after each.
 * With `--hold N` each cooldown then holds its floor for N steps, and those are compared.
 *
 *     deno task probe:compare --schedule cosine --start 9 --at 300,600
 *
 * @module
 */

import { pairedDifference } from "../src/adalrs/mod.ts";
import { parseCommandLine } from "../src/cli/mod.ts";
import { profileDefinition } from "../src/research/experiment/profiles.ts";
import { baseLr, type ScheduleKind } from "../src/schedule/mod.ts";
import { initBackend } from "../src/train/mod.ts";
import { PROBE_FLAGS, probeTrainer, SIZE } from "./_probe.ts";

const { values } = parseCommandLine({
  usage: "deno task probe:compare [--schedule cosine] [--start 9] [--at 300,600] [--seed 0]",
  about: "Settled against cooled comparison of paired branches on the full-profile GPT.",
  flags: {
    ...PROBE_FLAGS,
    start: { kind: "number", above: 0, default: 9, help: "the run's LR, in multiples of --fit" },
    at: { kind: "string", default: "300,600", help: "steps where the branches start" },
    k: { kind: "number", integer: true, min: 3, default: 50, help: "steps of each branch" },
    settle: { kind: "number", integer: true, min: 3, default: 100, help: "settling steps" },
    cool: { kind: "number", integer: true, min: 4, default: 50, help: "cooldown steps" },
    hold: {
      kind: "number",
      integer: true,
      min: 0,
      default: 0,
      help: "steps held at the floor after the cooldown; compared instead of its second half",
    },
    floors: {
      kind: "string",
      default: "0",
      help: "where cooldowns end, as fractions of the run's LR (0: to zero; one column each)",
    },
    "eval-batches": { kind: "number", integer: true, min: 1, default: 16, help: "validation" },
  },
});

const size = SIZE;
// The experiment's own run definition: the same schedule, warmup and optimizer as its runs.
const definition = profileDefinition(size, values.schedule as ScheduleKind, values.seed);
const schedule = definition.schedule;
const peak = values.fit * values.start;
const lrAt = (step: number) => baseLr(schedule, peak, step, size.steps);
const trainer = probeTrainer(definition, await initBackend("wasm"));

/** One branch's losses after the settling steps and over each cooldown, and their validations. */
interface Branch {
  settled: number[];
  cooled: number[][];
  valSettled: number;
  valCooled: number[];
}

const floors = values.floors.split(",").map(Number);

/** `k` steps at `factor` times the run's LR from `at`, then both measurements from there. */
async function branch(at: number, factor: number): Promise<Branch> {
  const { k, settle, cool, hold } = values;
  for (let s = at; s < at + k; s++) await trainer.step(s, factor * lrAt(s));
  const saved = trainer.snapshot();
  const settled: number[] = [];
  for (let s = at + k; s < at + k + settle; s++) settled.push(await trainer.step(s, lrAt(s)));
  const valSettled = await trainer.evaluate(values["eval-batches"]);
  const cooled: number[][] = [];
  const valCooled: number[] = [];
  for (const floor of floors) {
    // From the branch's own LR down to a common one, `floor` times the run's, linearly.
    trainer.restore(saved);
    const losses: number[] = [];
    for (let i = 0; i < cool + hold; i++) {
      const s = at + k + i;
      const left = Math.max(0, cool - i) / cool;
      losses.push(await trainer.step(s, lrAt(s) * (floor + (factor - floor) * left)));
    }
    cooled.push(hold > 0 ? losses.slice(cool) : losses.slice(Math.ceil(cool / 2)));
    valCooled.push(await trainer.evaluate(values["eval-batches"]));
  }
  trainer.disposeSnapshot(saved);
  return { settled: settled.slice(-k), cooled, valSettled, valCooled };
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
const compared = (a: number[], b: number[]) => {
  const { difference, e } = pairedDifference(a, b, 1);
  return `${signed(difference)} ± ${e.toFixed(4)}`;
};

console.log(
  `${values.schedule}, seed ${values.seed}, fixed at ${values.start}x the fit LR ${values.fit}`,
);
const part = values.hold > 0 ? `held ${values.hold}` : "2nd half";
const cooledHeads = floors.map((f) => `cooled to ${f}x (${part}) | val`).join(" | ");
console.log(`| step | trial | settled (last k) | val | ${cooledHeads} |`);
console.log(`| --- | --- | --- | --- |${floors.map(() => " --- | --- |").join("")}`);
let step = 0;
for (const at of values.at.split(",").map(Number)) {
  for (; step < at; step++) await trainer.step(step, lrAt(step));
  const origin = trainer.snapshot();
  const run = async (factor: number) => {
    trainer.restore(origin);
    return await branch(at, factor);
  };
  const control = await run(1);
  for (const factor of [3, 0.5]) {
    const b = await run(factor);
    const cells = floors.map((_, j) =>
      `${compared(b.cooled[j], control.cooled[j])} | ${
        signed(b.valCooled[j] - control.valCooled[j])
      }`
    );
    console.log(
      `| ${at} | x${factor} | ${compared(b.settled, control.settled)} | ${
        signed(b.valSettled - control.valSettled)
      } | ${cells.join(" | ")} |`,
    );
  }
  // The run goes on along its own LR, as the branches' control did.
  trainer.restore(origin);
  trainer.disposeSnapshot(origin);
}
