/**
 * The reference study of docs/controller.md: how each AdaLRS reference kind does on the synthetic
 * landscape and on the replayed cs336 LR sweep, from 10x and 3x below and above the optimum.
 *
 *     deno task simulate                       # the tables of docs/controller.md (32 seeds)
 *     deno task simulate --seeds 8             # quicker
 *     deno task simulate --sweep ../shared/real-logs/cs336 --window 50 --z 1
 *     deno task simulate --starts 1/30,30 beta=3   # today's defaults against them with beta 3
 *
 * Prints Markdown: the main table, the window sensitivity (with a third, fast-slowing landscape),
 * and the drift where the LR does not matter. Deterministic: the same arguments print the same
 * numbers.
 *
 * @module
 */

import { parseAdalrsSettings, parseCommandLine } from "../src/cli/mod.ts";
import type { AdalrsConfig, ReferenceKind } from "../src/adalrs/mod.ts";
import {
  buildSweepModel,
  CS336_SWEEP_DIR,
  exponentialBench,
  formatTable,
  loadSweep,
  nullBench,
  type SimBench,
  type StudyRow,
  studyRow,
  summarise,
  sweepBench,
  syntheticBench,
} from "../src/research/sim/mod.ts";

/** A named set of controller settings the study compares. */
interface Variant {
  label: string;
  adalrs: Partial<AdalrsConfig>;
}

/** Revision 4's rules (revisions 5-7 decide alike by default), whatever today's defaults. */
const REVISION_4: Partial<AdalrsConfig> = { trial: "paired", earlyAccept: 0 };

/** Revision 3's paired trials: revision 4 changes three of their settings. */
const REVISION_3: Partial<AdalrsConfig> = {
  ...REVISION_4,
  downscaleAfterSearch: true,
  repeatDownscale: false,
  downscaleOnTie: false,
};

/**
 * The settings compared: revision 2's sequential references, revision 3's paired trials and its
 * options, each of revision 4's changes alone, revision 4 (as revisions 5-7 decide it by default),
 * cooled verdicts, aborting blown-up upscales, and revision 8 (the default: upscales kept early).
 */
const VARIANTS: Variant[] = [
  ...(["trigger", "pair", "fresh", "bracket", "trigger-return"] as ReferenceKind[]).map((
    reference,
  ): Variant => ({
    label: `sequential ${reference}`,
    adalrs: { trial: "sequential", climb: false, reference },
  })),
  { label: "paired r3, settle 1", adalrs: { ...REVISION_3, settle: 1 } },
  { label: "paired r3", adalrs: REVISION_3 },
  { label: "r3 + stop when bracketed", adalrs: { ...REVISION_3, stopWhenBracketed: true } },
  { label: "r3 + climb", adalrs: { ...REVISION_3, climb: true } },
  { label: "r3 + frozen after search", adalrs: { ...REVISION_3, downscaleAfterSearch: false } },
  { label: "r3 + repeat downscale", adalrs: { ...REVISION_3, repeatDownscale: true } },
  { label: "r3 + downscale on tie", adalrs: { ...REVISION_3, downscaleOnTie: true } },
  { label: "paired r4", adalrs: REVISION_4 },
  { label: "r4 + cooled verdicts", adalrs: { ...REVISION_4, compare: "cooldown" } },
  { label: "r4 + abort at +10%", adalrs: { ...REVISION_4, abortRise: 0.1 } },
  { label: "r8: r4 + early accept (default)", adalrs: { trial: "paired" } },
];

const { values, positionals } = parseCommandLine({
  usage: "deno task simulate [--seeds 32] [--window 50] [--z 1] [--sweep DIR] [--starts LIST] " +
    "[key=value ...]",
  about: "The AdaLRS reference study of docs/controller.md: every reference kind on a synthetic " +
    "landscape and on a replayed cs336 LR sweep. Given controller settings (key=value), it " +
    "compares today's defaults with and without them instead.",
  flags: {
    seeds: { kind: "number", integer: true, min: 1, default: 32, help: "seeds per start" },
    sweep: { kind: "string", default: CS336_SWEEP_DIR, help: "the real LR sweep's logs" },
    window: { kind: "number", integer: true, min: 2, default: 50, help: "losses per window" },
    z: { kind: "number", above: 0, default: 1, help: "error bars in standard errors" },
    starts: {
      kind: "string",
      default: "0.1,1/3,3,10",
      help: "starting LRs as factors of the optimum, comma-separated (1/30 for 30x below)",
    },
  },
  positionals: { min: 0, max: 30, names: "controller settings, key=value (beta=3)" },
});
let starts: number[];
let variants: Variant[];
try {
  starts = values.starts.split(",").map(parseFactor);
  variants = positionals.length === 0 ? VARIANTS : [
    { label: "defaults", adalrs: {} },
    { label: `defaults + ${positionals.join(" ")}`, adalrs: parseAdalrsSettings(positionals) },
  ];
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  Deno.exit(2);
}
const seeds = Array.from({ length: values.seeds }, (_, i) => i + 1);
const base: Partial<AdalrsConfig> = { window: values.window, z: values.z };

const benches: SimBench[] = [
  syntheticBench(3000),
  sweepBench(buildSweepModel(await loadSweep(values.sweep))),
];

console.log(`## Final LR and loss by trial kind (window ${base.window}, z ${base.z})\n`);
const rows: StudyRow[] = [];
for (const bench of benches) {
  for (const { label, adalrs } of variants) {
    for (const start of starts) {
      rows.push(studyRow(bench, { ...base, ...adalrs }, start, seeds, label));
    }
  }
}
console.log(formatTable(rows));

console.log("\n## Seeds within 3x of the optimum, over all starts, by window\n");
benches.push(exponentialBench());
const windows = [20, 30, 50, 75, 100];
console.log(`| bench | setting | ${windows.map((w) => `k=${w}`).join(" | ")} |`);
console.log(`| --- | --- | ${windows.map(() => "---").join(" | ")} |`);
for (const bench of benches) {
  for (const { label, adalrs } of variants) {
    const cells = windows.map((window) => {
      let within = 0;
      for (const start of starts) {
        const row = studyRow(bench, { ...base, ...adalrs, window }, start, seeds, label);
        within += summarise(row).within3;
      }
      return `${within}/${starts.length * seeds.length}`;
    });
    console.log(`| ${bench.name} | ${label} | ${cells.join(" | ")} |`);
  }
}

console.log("\n## Drift where the LR does not matter (start 1x; 1 is no drift)\n");
console.log("| loss curve | setting | window | final m: geo [min, max] | accept/restore+reject |");
console.log("| --- | --- | --- | --- | --- |");
for (const shape of ["power", "linear"] as const) {
  const bench = nullBench(shape);
  for (const { label, adalrs } of variants) {
    for (const window of [20, values.window]) {
      const row = studyRow(bench, { ...base, ...adalrs, window }, 1, seeds, label);
      const s = summarise(row);
      const r = row.rules;
      console.log(
        `| ${shape} | ${label} | ${window} | ${s.ratioGeo.toFixed(2)} [${s.ratioMin.toFixed(2)}, ${
          s.ratioMax.toFixed(2)
        }] | ${r["trial-accept"] ?? 0}/${(r["trial-restore"] ?? 0) + (r["trial-reject"] ?? 0)} |`,
      );
    }
  }
}

/** `10`, `0.1` or `1/30`: a positive factor of the optimum's LR. */
function parseFactor(text: string): number {
  const [num, den = "1"] = text.trim().split("/");
  const factor = Number(num) / Number(den);
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new Error(`--starts takes positive factors like 0.1, 1/3 or 30, not "${text}"`);
  }
  return factor;
}
