/**
 * The terminal side of every live progress display (`task train`'s run line, the sweep's block
 * of runs): a block of lines redrawn in place on a terminal, or printed at most every so often
 * elsewhere (a log file, CI), with lines that stay printed above it; a bar; durations.
 *
 * @module
 */

/** Where a display writes: `Deno.stderr`, or a test's buffer. */
export interface ProgressOutput {
  writeSync(p: Uint8Array): number;
  isTerminal(): boolean;
}

/** Options of {@linkcode LiveBlock}. */
export interface LiveBlockOptions {
  /** @default Deno.stderr */
  out?: ProgressOutput;
  /** Off a terminal, the least time between two printed states, in ms. */
  everyMs: number;
}

/** A block of lines kept up to date on a terminal, throttled to a log line elsewhere. */
export class LiveBlock {
  /** Whether the output is a terminal (redrawn in place) or a log (appended to). */
  readonly tty: boolean;
  readonly #out: ProgressOutput;
  readonly #everyMs: number;
  readonly #encoder = new TextEncoder();
  #drawn = 0;
  #lastShown = -Infinity;

  /** @param opts where to write and how often off a terminal */
  constructor(opts: LiveBlockOptions) {
    this.#out = opts.out ?? Deno.stderr;
    this.#everyMs = opts.everyMs;
    this.tty = this.#out.isTerminal();
  }

  /**
   * Shows the current state: on a terminal `lines` replace the block drawn before; elsewhere
   * `plain` (default: `lines`) is appended, unless the last state was printed under `everyMs`
   * ago and `force` is not set.
   *
   * @param lines the block, one entry per line
   * @param opts `force` a printed state (e.g. the last one); `plain` what a log gets instead
   */
  show(lines: string[], opts: { force?: boolean; plain?: string[] } = {}): void {
    const now = performance.now();
    if (!this.tty && !opts.force && now - this.#lastShown < this.#everyMs) return;
    this.#lastShown = now;
    if (!this.tty) return this.#write(opts.plain ?? lines);
    this.#clear();
    this.#write(lines);
    this.#drawn = lines.length;
  }

  /**
   * Prints a line that stays, above the block; the block comes back at the next `show`.
   *
   * @param line the text, without its newline
   */
  print(line: string): void {
    this.#clear();
    this.#write([line]);
  }

  /** Leaves the last state on screen: later output goes below it. */
  done(): void {
    this.#drawn = 0;
  }

  #clear(): void {
    if (this.tty && this.#drawn > 0) {
      this.#out.writeSync(this.#encoder.encode(`\x1b[${this.#drawn}A\x1b[J`));
    }
    this.#drawn = 0;
  }

  #write(lines: string[]): void {
    this.#out.writeSync(this.#encoder.encode(lines.map((l) => `${l}\n`).join("")));
  }
}

/**
 * A bar of `width` cells, `fraction` of them filled: `████░░░░`.
 *
 * @param fraction done, from 0 to 1 (clamped)
 * @param width cells
 */
export function progressBar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return "█".repeat(filled) + "░".repeat(width - filled);
}

/**
 * A duration as `h:mm:ss` or `m:ss`; `—` when unknown (not finite).
 *
 * @param seconds the duration
 */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}
