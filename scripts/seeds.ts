/**
 * The multi-seed table of docs/results.md: reads each seed's `results.json` and prints, per
 * starting point, the median and worst over seeds (final LR, loss against the fit's and the fixed
 * run's, steps saved to reach the fixed run's loss), the fixed runs' spread, and the targets.
 *
 *     deno task experiment:seeds --schedule cosine [--profile full] [--seeds 0,1,2] [--dir docs/results]
 *
 * Seed N's page is `<dir>/<profile>-<schedule>-seed<N>/results.json`; a seed whose page is
 * missing is named and left out.
 *
 * @module
 */

import { parseCommandLine } from "../src/cli/mod.ts";
import { seedMarkdown, type SeedReport, summariseSeeds } from "../src/research/experiment/mod.ts";

const { values } = parseCommandLine({
  usage: "deno task experiment:seeds --schedule cosine|wsd|constant [--profile full] " +
    "[--seeds 0,1,2] [--dir docs/results]",
  about: "The multi-seed table of docs/results.md: per start, the median and worst over seeds " +
    "(final LR, loss against the fit's and the fixed run's, steps saved to reach the fixed " +
    "run's loss), the fixed runs' spread, and the targets, from each seed's results.json.",
  flags: {
    schedule: {
      kind: "string",
      choices: ["cosine", "wsd", "constant"],
      default: "cosine",
      help: "which experiments",
    },
    profile: { kind: "string", default: "full", help: "the profile's name" },
    seeds: { kind: "string", default: "0,1,2", help: "seeds, comma-separated" },
    dir: { kind: "string", default: "docs/results", help: "where the pages are" },
  },
});
const seeds = values.seeds.split(",").map(Number);
if (seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  console.error(`--seeds must be whole numbers separated by commas, got ${values.seeds}`);
  Deno.exit(2);
}
const reports: SeedReport[] = [];
for (const seed of seeds) {
  const file = `${values.dir}/${values.profile}-${values.schedule}-seed${seed}/results.json`;
  try {
    const page = JSON.parse(await Deno.readTextFile(file));
    const curves = Object.fromEntries(
      (page.adalrs as { runId: string; val: [number, number][] }[]).map((r) => [r.runId, r.val]),
    );
    reports.push({ seed, rows: page.rows, curves });
  } catch {
    console.error(`seed ${seed}: no ${file}; left out`);
  }
}
if (reports.length === 0) Deno.exit(1);
const found = reports.map((r) => r.seed);
console.log(`### ${values.schedule}, seeds ${found.join(", ")}\n`);
console.log(seedMarkdown(summariseSeeds(reports), found));
