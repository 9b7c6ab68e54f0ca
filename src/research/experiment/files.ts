/**
 * The files an experiment writes into its results folder: the report as markdown and JSON, the
 * three comparison plots, and the train CLI's plot of the fit run and each AdaLRS run.
 *
 * @module
 */

import type { RunEvent } from "../../events/mod.ts";
import { plotSvg, runCurves } from "../../replay/mod.ts";
import { offsetSlug } from "./grid.ts";
import { lossVsLrPlot, lrPlot, valLossPlot } from "./plots.ts";
import { reportJson, reportMarkdown } from "./render.ts";
import type { ExperimentReport } from "./report.ts";

/** The comparison plots, by file name, in the order the markdown shows them. */
export const PLOT_FILES = ["val_loss.svg", "lr.svg", "loss_vs_lr.svg"] as const;

/**
 * Every file of the results folder, by path relative to it.
 *
 * @param report the experiment's report
 * @param readLog reads a run's event log (for the per-run plots under `runs/`)
 * @returns file contents by relative path
 */
export async function experimentFiles(
  report: ExperimentReport,
  readLog: (runId: string) => Promise<RunEvent[]>,
): Promise<Map<string, string>> {
  const { spacing } = report.grid;
  const files = new Map<string, string>();
  files.set("val_loss.svg", valLossPlot(report));
  files.set("lr.svg", lrPlot(report));
  files.set(
    "loss_vs_lr.svg",
    lossVsLrPlot({
      title:
        `Final validation loss against LR: ${report.profile} profile, ${report.schedule} schedule`,
      spacing,
      sweep: report.sweep,
      fitIndex: report.fit.index,
      adalrs: report.adalrs,
    }),
  );
  const fit = report.sweep.find((r) => r.index === report.fit.index);
  for (const run of [...(fit ? [fit] : []), ...report.adalrs]) {
    const slug = run.role === "sweep"
      ? "fixed-fit"
      : `adalrs-from-${offsetSlug(spacing, run.index - report.fit.index)}`;
    // A sweep reused from an earlier results.json may have no log in this store.
    const log = await readLog(run.runId).catch(() => null);
    if (log === null || log.length === 0) continue;
    files.set(`runs/${slug}.svg`, plotSvg(runCurves(log), `${run.label} (${run.runId})`));
  }
  files.set("results.json", reportJson(report));
  files.set("results.md", reportMarkdown(report, [...PLOT_FILES]));
  return files;
}

/**
 * Writes the files under `dir`, creating folders as needed.
 *
 * @param dir the results folder
 * @param files contents by relative path
 */
export async function writeFiles(dir: string, files: Map<string, string>): Promise<void> {
  for (const [path, text] of files) {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.replace(/\/[^/]*$/, ""), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
}
