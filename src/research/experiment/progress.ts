/**
 * Progress of a sweep on the terminal: an overall bar with the runs done and an ETA, and one
 * line per run (status, step, last validation loss), redrawn in place on a terminal. Elsewhere
 * (a log file, CI) a summary line every 30 s. A line is printed as each run finishes.
 *
 * @module
 */

import { clock, LiveBlock, progressBar, type ProgressOutput } from "../../cli/mod.ts";
import type { ProgressRow, ProgressSink, RunResult } from "./runs.ts";

/** Options of {@linkcode SweepProgress}. */
export interface SweepProgressOptions {
  /** Runs the whole job will have (the bar's denominator), when known ahead. */
  expectedRuns?: number;
  /** Where to write. @default Deno.stderr */
  out?: ProgressOutput;
}

/** The sweep's live progress display. */
export class SweepProgress implements ProgressSink {
  readonly #rows = new Map<string, ProgressRow>();
  readonly #firstSeen = new Map<string, number>();
  // Off a terminal, the summary line every 30 s.
  readonly #block: LiveBlock;
  readonly #started = performance.now();

  /** @param opts the runs expected, where to write */
  constructor(readonly opts: SweepProgressOptions = {}) {
    this.#block = new LiveBlock({ out: opts.out, everyMs: 30_000 });
  }

  /** Takes the latest state of the runs being waited on and redraws. */
  update(rows: ProgressRow[]): void {
    for (const row of rows) {
      this.#rows.set(row.label, row);
      if (!this.#firstSeen.has(row.label)) this.#firstSeen.set(row.label, row.step);
    }
    const summary = this.summary();
    const lines = [summary];
    for (const r of this.#rows.values()) {
      const val = r.valLoss === null ? "" : `  val ${r.valLoss.toFixed(4)}`;
      const mark = r.status === "completed" ? "✓" : r.status === "running" ? "▸" : " ";
      lines.push(
        `  ${mark} ${r.label.padEnd(24)} ${r.status.padEnd(9)} ${r.step}/${r.totalSteps}${val}`,
      );
    }
    this.#block.show(lines, { plain: [summary] });
  }

  /** Prints one line about a finished run above the live block. */
  finished(result: RunResult): void {
    const loss = Number.isFinite(result.finalValLoss) ? result.finalValLoss.toFixed(4) : "—";
    const m = result.role === "adalrs" ? `, final LR ${result.finalLr.toExponential(2)}` : "";
    this.#block.print(
      `${result.status}: ${result.label}: val loss ${loss}${m} (${
        Math.round(result.wallSeconds)
      } s, run ${result.runId})`,
    );
  }

  /** Leaves the last state on screen. */
  done(): void {
    this.#block.done();
  }

  /** The overall line: bar, runs done, percentage, ETA. */
  summary(): string {
    const rows = [...this.#rows.values()];
    const finished = rows.filter((r) => r.status !== "queued" && r.status !== "running").length;
    const expected = Math.max(this.opts.expectedRuns ?? 0, rows.length);
    const perRun = rows.length ? Math.max(...rows.map((r) => r.totalSteps)) : 1;
    const total = expected * perRun;
    const done = rows.reduce(
      (sum, r) => sum + (r.status === "completed" ? r.totalSteps : r.step),
      0,
    );
    const fresh = rows.reduce(
      (sum, r) => sum + Math.max(0, r.step - (this.#firstSeen.get(r.label) ?? 0)),
      0,
    );
    const seconds = (performance.now() - this.#started) / 1000;
    const eta = fresh > 0 ? ((total - done) / fresh) * seconds : NaN;
    const fraction = Math.min(1, done / Math.max(1, total));
    return `${progressBar(fraction, 30)} ${(fraction * 100).toFixed(0)}%  ` +
      `${finished}/${expected} runs done  elapsed ${clock(seconds)}  ETA ${clock(eta)}`;
  }
}
