/**
 * Progress of a sweep on the terminal: an overall bar with the runs done and an ETA, and one
 * line per run (status, step, last validation loss), redrawn in place on a terminal. Elsewhere
 * (a log file, CI) a summary line every 30 s. A line is printed as each run finishes.
 *
 * @module
 */

import type { ProgressRow, ProgressSink, RunResult } from "./runs.ts";

/** Options of {@linkcode SweepProgress}. */
export interface SweepProgressOptions {
  /** Runs the whole job will have (the bar's denominator), when known ahead. */
  expectedRuns?: number;
  /** Where to write. @default Deno.stderr */
  out?: { writeSync(p: Uint8Array): number; isTerminal(): boolean };
}

/** The sweep's live progress display. */
export class SweepProgress implements ProgressSink {
  readonly #rows = new Map<string, ProgressRow>();
  readonly #firstSeen = new Map<string, number>();
  readonly #out: NonNullable<SweepProgressOptions["out"]>;
  readonly #tty: boolean;
  readonly #started = performance.now();
  #drawn = 0;
  #lastLine = -Infinity;

  constructor(readonly opts: SweepProgressOptions = {}) {
    this.#out = opts.out ?? Deno.stderr;
    this.#tty = this.#out.isTerminal();
  }

  /** Takes the latest state of the runs being waited on and redraws. */
  update(rows: ProgressRow[]): void {
    for (const row of rows) {
      this.#rows.set(row.label, row);
      if (!this.#firstSeen.has(row.label)) this.#firstSeen.set(row.label, row.step);
    }
    const now = performance.now();
    if (!this.#tty && now - this.#lastLine < 30_000) return;
    this.#lastLine = now;
    if (this.#tty) this.#redraw();
    else this.#write(`${this.summary()}\n`);
  }

  /** Prints one line about a finished run above the live block. */
  finished(result: RunResult): void {
    const loss = Number.isFinite(result.finalValLoss) ? result.finalValLoss.toFixed(4) : "—";
    const m = result.role === "adalrs" ? `, final LR ${result.finalLr.toExponential(2)}` : "";
    this.#clear();
    this.#write(
      `${result.status}: ${result.label}: val loss ${loss}${m} (${
        Math.round(result.wallSeconds)
      } s, run ${result.runId})\n`,
    );
  }

  /** Leaves the last state on screen. */
  done(): void {
    this.#drawn = 0;
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
    const width = 30;
    const filled = Math.round(fraction * width);
    return `${"█".repeat(filled)}${"░".repeat(width - filled)} ${(fraction * 100).toFixed(0)}%  ` +
      `${finished}/${expected} runs done  elapsed ${clock(seconds)}  ETA ${clock(eta)}`;
  }

  #redraw(): void {
    const lines = [this.summary()];
    for (const r of this.#rows.values()) {
      const val = r.valLoss === null ? "" : `  val ${r.valLoss.toFixed(4)}`;
      const mark = r.status === "completed" ? "✓" : r.status === "running" ? "▸" : " ";
      lines.push(
        `  ${mark} ${r.label.padEnd(24)} ${r.status.padEnd(9)} ${r.step}/${r.totalSteps}${val}`,
      );
    }
    this.#clear();
    this.#write(lines.map((l) => `${l}\n`).join(""));
    this.#drawn = lines.length;
  }

  #clear(): void {
    if (this.#tty && this.#drawn > 0) this.#write(`\x1b[${this.#drawn}A\x1b[J`);
    this.#drawn = 0;
  }

  #write(text: string): void {
    this.#out.writeSync(new TextEncoder().encode(text));
  }
}

/** `h:mm:ss` or `m:ss`. */
function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
