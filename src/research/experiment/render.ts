/**
 * An experiment's report rendered: the markdown page of its results folder, and its JSON.
 *
 * @module
 */

import type { RunDefinition } from "../../events/mod.ts";
import { duration, fmtCount, loss, sci, signedPct } from "./_format.ts";
import { offsetLabel } from "./grid.ts";
import type { ExperimentReport } from "./report.ts";
import type { RunResult } from "./runs.ts";

/**
 * The report as markdown: the table, the cost, the targets, the sweep, the command and commit.
 *
 * @param report the report
 * @param plots plot file names to embed, relative to the markdown file
 */
export function reportMarkdown(report: ExperimentReport, plots: string[] = []): string {
  const d = report.definition;
  const model = d.model?.kind === "gpt"
    ? `GPT ${d.model.layers} layers × width ${d.model.width}, ${
      fmtCount(report.sweep[0]?.parameters ?? 0)
    } parameters`
    : `${d.model?.kind ?? "?"} model`;
  const lines = [
    `# ${report.profile} profile, ${report.schedule} schedule`,
    "",
    `${model}; ${d.training.steps} steps × ${d.training.batchSize} × ${d.training.sequenceLength} ` +
    `tokens; AdaLRS window ${d.adalrs.window}, search phase [${d.adalrs.searchStart}, ` +
    `${d.adalrs.searchEnd}], ${trialSettings(d.adalrs)}; seed ${d.training.seed}.`,
    `Fit LR ${sci(report.fit.lr)} (final validation loss ${report.fit.finalValLoss.toFixed(4)}), ` +
    (report.fitGiven
      ? `taken from seed 0's sweep; fixed runs at the fit and at each start train with this seed.`
      : `the best of a ${report.cost.sweepRuns}-point grid spaced ${report.grid.spacing}x` +
        (report.extended.length ? ` (extended by ${report.extended.length} at its edge)` : "") +
        "."),
    "",
    "| run | start | start LR | final val loss | vs fit | vs fixed, same start | final LR / fit | steps | tokens | wall |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...report.rows.map((r) =>
      `| ${r.kind} | ${r.start} | ${sci(r.startLr)} | ${
        (r.status ?? "completed") === "completed" ? loss(r.finalValLoss) : r.status
      } | ${r.offset === 0 && r.kind === "fixed" ? "—" : signedPct(r.vsFit)} | ${
        r.kind === "AdaLRS" ? signedPct(r.vsFixed) : "—"
      } | ${r.lrOverFit.toPrecision(3)} | ${fmtCount(r.steps)} | ${fmtCount(r.tokens)} | ${
        duration(r.wallSeconds)
      } |`
    ),
    "",
    ...report.adalrs.map((r) => `- ${r.label}: ${decisionSummary(r)}${reusedNote(r, d)}.`),
    "",
    `**Cost.** One AdaLRS run: ${fmtCount(report.cost.adalrsTokens)} training tokens. ` +
    `The sweep that found the fit LR: ${fmtCount(report.cost.sweepTokens)} tokens over ` +
    `${report.cost.sweepRuns} runs, ${report.cost.ratio.toFixed(1)}x as much.`,
    "",
    "| target | value | met |",
    "| --- | --- | --- |",
    ...report.targets.map((t) => `| ${t.target} | ${t.value} | ${t.pass ? "yes" : "**no**"} |`),
    "",
    "The sweep (fixed LR, AdaLRS off):",
    "",
    "| LR | / fit | final val loss | status | wall |",
    "| --- | --- | --- | --- | --- |",
    ...report.sweep.map((r) =>
      `| ${sci(r.startLr)} | ${offsetLabel(report.grid.spacing, r.index - report.fit.index)} | ${
        loss(r.finalValLoss)
      } | ${r.status} | ${duration(r.wallSeconds)} |`
    ),
    "",
    ...plots.flatMap((p) => [`![${p}](${p})`, ""]),
    `Command: \`${report.command}\`  `,
    `Commit (\`git rev-parse HEAD\`) when the runs were created: ${trainedAt(report)}; ` +
    `when this page was written: \`${report.commit}\`${
      report.dirty ? " (with uncommitted changes)" : ""
    }.  `,
    `Training started ${report.startedAt}; ${
      duration(report.wallSeconds)
    } from the first run's start to the last run's end ` +
    `(${duration(workerSeconds(report))} of run time in all, on ${report.workers} worker(s)).  `,
    trainedOn(report),
    "",
  ];
  return lines.join("\n");
}

/**
 * The report as JSON: non-finite numbers as strings (`"NaN"`), arrays of numbers on one line.
 *
 * @param report the report
 */
export function reportJson(report: ExperimentReport): string {
  const text = JSON.stringify(
    report,
    (_k, v) => typeof v === "number" && !Number.isFinite(v) ? String(v) : v,
    2,
  );
  const squeeze = (match: string) => match.replace(/\s+/g, "");
  return text.replace(FLAT_ARRAY, squeeze).replace(ARRAY_OF_FLAT, squeeze) + "\n";
}

// A JSON scalar without whitespace inside, an array of them, and an array of such arrays.
const SCALAR = String.raw`(?:-?[\d.eE+-]+|"[^"\\\s]*"|null|true|false)`;
const FLAT_ARRAY = new RegExp(String.raw`\[\s*${SCALAR}(?:\s*,\s*${SCALAR})*\s*\]`, "g");
const ARRAY_OF_FLAT = /\[\s*\[[^[\]\s]*\](?:\s*,\s*\[[^[\]\s]*\])*\s*\]/g;

/** How the run's trials are judged, in words. */
function trialSettings(a: RunDefinition["adalrs"]): string {
  if (a.trial === "sequential") return `sequential trials, reference \`${a.reference}\``;
  const options =
    (a.abortRise > 0
      ? `, upscales that rise over ${+(a.abortRise * 100).toFixed(2)}% aborted`
      : "") +
    // Logs written before revision 8 have no `earlyAccept`.
    ((a.earlyAccept ?? 0) > 0 ? `, upscales ahead by ${a.earlyAccept} errors kept early` : "") +
    // Logs written before revision 11 have no `noiseWindow`.
    (a.noiseWindow ? ", the search phase's windows sized from the noise before it" : "");
  return a.compare === "cooldown"
    ? `paired trials compared after a one-window cooldown${options}, revision ${a.revision}`
    : `paired trials (settle ${a.settle}, settling at the ${a.settleAt} LR${options}), revision ${a.revision}`;
}

/**
 * What AdaLRS did in a run, in words: trials and their verdicts, downscales, final multiplier.
 *
 * @param run an AdaLRS run's result
 */
export function decisionSummary(run: RunResult): string {
  const n = (rule: keyof RunResult["decisions"]) => run.decisions[rule] ?? 0;
  const downscales = n("rise-downscale") + n("non-finite-downscale") + n("non-finite-restore");
  if (n("trial-branch") > 0) {
    const lost = n("trial-reject") + n("trial-abort");
    const down = n("downscale-trial") + lost;
    return `${n("upscale-trial")} upscale and ${down} downscale trials, each ` +
      `against a control branch on the same batches (${n("trial-accept")} won and kept, ` +
      `${lost} upscales lost${n("trial-abort") ? ` (${n("trial-abort")} aborted)` : ""}, ` +
      `${n("trial-revert")} no better), ` +
      `${downscales} downscales on rising or non-finite losses, final multiplier ${
        run.multiplier.toPrecision(3)
      }`;
  }
  return `${n("upscale-trial")} upscale trials (${n("trial-accept")} accepted, ` +
    `${n("trial-revert")} inconclusive, ${n("trial-restore") + n("trial-setback")} rejected and ` +
    `restored, ${n("trial-setback")} of them as setbacks), ` +
    `${downscales} downscales on rising or non-finite losses, final multiplier ${
      run.multiplier.toPrecision(3)
    }`;
}

/**
 * What trained the page's runs, and a warning when it was more than one backend or kernel: the
 * same definition rounds differently on each, so such runs are not bit-for-bit comparable.
 */
function trainedOn(report: ExperimentReport): string {
  const counts = new Map<string, number>();
  for (const r of [...report.sweep, ...report.adalrs]) {
    const key = r.backend ?? "a backend not recorded (results written before it was)";
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const list = [...counts].map(([b, n]) => `${b}: ${n} run${n === 1 ? "" : "s"}`).join("; ");
  if (counts.size === 1) return `Trained on ${list}.`;
  return `**Trained on more than one backend** (${list}). Other kernels round differently: at 9x ` +
    'the fit LR that alone moved a run\'s final loss by 0.7% (docs/results.md, "From above"), ' +
    "so differences that small between these runs may be the machines'.";
}

/** The runs' own wall times added up: the span above also counts pauses between invocations. */
function workerSeconds(report: ExperimentReport): number {
  return [...report.sweep, ...report.adalrs].reduce((sum, r) => sum + r.wallSeconds, 0);
}

/**
 * Why a run decided by an older controller revision stands for this one: its losses, refolded with
 * this page's settings, give every decision it recorded (`--reuse-equivalent`).
 */
function reusedNote(r: RunResult, d: RunDefinition): string {
  if (r.revision === d.adalrs.revision) return "";
  return ` (a revision-${r.revision} run, reused: revision ${d.adalrs.revision} decides its ` +
    `losses alike, decision for decision)`;
}

/** The commits the runs were created from, e.g. `` `abc…` (with uncommitted changes) ``. */
function trainedAt(report: ExperimentReport): string {
  const commits = [...new Set([...report.sweep, ...report.adalrs].map((r) => r.commit ?? "?"))];
  return commits.map((c) =>
    c.endsWith("+dirty") ? `\`${c.slice(0, -6)}\` (with uncommitted changes)` : `\`${c}\``
  ).join(", ");
}
