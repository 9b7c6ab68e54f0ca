/**
 * The train CLI's live progress line: a bar with step, loss, validation loss, LR, throughput and
 * ETA, redrawn in place on a terminal (one line every 5 s otherwise, and always a last one),
 * with each LR decision printed above it as it happens.
 *
 * @module
 */

import { type Decision, decodeLoss } from "../src/adalrs/mod.ts";
import { clock, LiveBlock, progressBar, type ProgressOutput } from "../src/cli/mod.ts";
import { describeBackend, type RunDefinition, type RunEvent } from "../src/events/mod.ts";
import { baseLr } from "../src/schedule/mod.ts";

/** The live progress line, redrawn in place on a terminal; decisions print above it. */
export class Progress {
  #step = 0;
  #loss = NaN;
  #val = NaN;
  #m = 1;
  #tokensPerStep = 0;
  #started = { time: 0, step: 0 };
  // Off a terminal (a log file, CI), one line every 5 s, and always the last one.
  readonly #block: LiveBlock;
  readonly total: number;

  /**
   * @param definition the run's resolved definition: its steps, schedule and peak LR
   * @param out where to write @default Deno.stderr
   */
  constructor(readonly definition: RunDefinition, out?: ProgressOutput) {
    this.total = definition.training.steps;
    this.#block = new LiveBlock({ out, everyMs: 5000 });
  }

  /**
   * The LR the trainer uses at the current step: the multiplier times the schedule there, so
   * warmup and decay show as they happen rather than only at each decision.
   */
  get lr(): number {
    const { schedule, optimizer } = this.definition;
    return this.#m * baseLr(schedule, optimizer.lr, this.#step, this.total);
  }

  /** The last validation loss seen (NaN before the first evaluation). */
  get valLoss(): number {
    return this.#val;
  }

  /** Takes the run's next event and redraws the line (or prints what happened above it). */
  update(event: RunEvent): void {
    switch (event.type) {
      case "RunLeased":
        // Tokens mean nothing for the synthetic landscape: it shows steps/s instead.
        this.#tokensPerStep = this.definition.model?.kind === "gpt"
          ? event.data.model?.tokensPerStep ?? 0
          : 0;
        this.#started = { time: performance.now(), step: event.data.resume?.step ?? 0 };
        this.#log(`leased by ${event.data.workerId} on ${describeBackend(event.data.backend)}`);
        break;
      case "LossWindowRecorded":
        this.#step = event.data.fromStep + event.data.losses.length;
        this.#loss = decodeLoss(event.data.losses.at(-1)!);
        break;
      case "LrDecided":
        this.#onDecision(event.data.decision);
        break;
      case "EvalRecorded":
        this.#val = decodeLoss(event.data.valLoss);
        break;
      case "RunCompleted":
        // The final evaluation: the summary reports it, so the last line must show it too.
        this.#step = event.data.step;
        if (event.data.valLoss !== null) this.#val = decodeLoss(event.data.valLoss);
        this.#draw(true);
        return;
      case "RolledBack":
        this.#log(`rolled back to snapshot ${event.data.snapshotId}`);
        break;
      case "CheckpointFailed":
        this.#log(`checkpoint at step ${event.data.step} failed: ${event.data.reason}`);
        break;
      case "RunFailed":
      case "RunCancelled":
        this.#log(`${event.type}: ${event.data.reason}`);
        this.#draw(true);
        return;
    }
    this.#draw();
  }

  /** Leaves the last line on screen. */
  done(): void {
    this.#block.done();
  }

  #onDecision(d: Decision): void {
    this.#m = d.mAfter;
    if (d.rule === "observe" || d.rule === "outside-search" || d.rule === "disabled") return;
    const ve = (s: { v: number; e: number }) => `${s.v.toExponential(2)}±${s.e.toExponential(1)}`;
    // A verdict compares the trial window with its reference; other rules show the window.
    const v = d.trial && d.reference
      ? ` trial v ${ve(d.trial)} vs reference ${ve(d.reference)}`
      : d.window.stats
      ? ` v ${ve(d.window.stats)}`
      : "";
    this.#log(
      `step ${d.window.toStep}: ${d.rule}${v}; m ${d.mBefore.toPrecision(3)} → ${
        d.mAfter.toPrecision(3)
      }, lr ${d.lr.toExponential(2)}`,
    );
  }

  #log(line: string): void {
    this.#block.print(line);
  }

  #draw(force = false): void {
    const seconds = (performance.now() - this.#started.time) / 1000;
    const stepsPerSecond = (this.#step - this.#started.step) / Math.max(seconds, 1e-3);
    const eta = stepsPerSecond > 0 ? (this.total - this.#step) / stepsPerSecond : NaN;
    const line = `${progressBar(this.#step / this.total, 24)} ${this.#step}/${this.total}  ` +
      `loss ${this.#loss.toFixed(3)}  val ${
        Number.isNaN(this.#val) ? "—" : this.#val.toFixed(4)
      }  ` +
      `lr ${this.lr.toExponential(2)} (m ${this.#m.toPrecision(3)})  ` +
      `${throughput(stepsPerSecond, this.#tokensPerStep)}  ETA ${clock(eta)}`;
    this.#block.show([line], { force });
  }
}

function throughput(stepsPerSecond: number, tokensPerStep: number): string {
  if (tokensPerStep > 0) return `${Math.round(stepsPerSecond * tokensPerStep)} tok/s`;
  return `${stepsPerSecond.toFixed(stepsPerSecond < 10 ? 1 : 0)} steps/s`;
}
