/**
 * Reading a real LR sweep: one `metrics.jsonl` per peak LR, as the cs336 sweep in
 * `../shared/real-logs/cs336/lr_sweep_<lr>/` writes them.
 *
 * @module
 */

/** One run of the sweep: its peak LR, and the logged training losses with the LR in force. */
export interface SweepCurve {
  peakLr: number;
  /** Logged steps, ascending, with the training loss and the scheduled LR at each. */
  steps: number[];
  losses: number[];
  lrs: number[];
}

/**
 * Parses one run's `metrics.jsonl`: keeps the lines with a `train_loss`, skips the rest
 * (validation lines, blank lines).
 *
 * @param text the file's contents
 * @param peakLr the run's peak LR (from its folder name)
 * @returns the curve, ordered by step
 */
export function parseSweepLog(text: string, peakLr: number): SweepCurve {
  const rows: { step: number; loss: number; lr: number }[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    const row = JSON.parse(line);
    if (typeof row.train_loss !== "number") continue;
    if (typeof row.step !== "number" || typeof row.lr !== "number") {
      throw new Error(`Line ${i + 1} has a train_loss but no numeric step and lr: ${line}`);
    }
    rows.push({ step: row.step, loss: row.train_loss, lr: row.lr });
  }
  rows.sort((a, b) => a.step - b.step);
  return {
    peakLr,
    steps: rows.map((r) => r.step),
    losses: rows.map((r) => r.loss),
    lrs: rows.map((r) => r.lr),
  };
}

/** Where the cs336 sweep lives, relative to the repository root. */
export const CS336_SWEEP_DIR = "../shared/real-logs/cs336";

/**
 * Reads every `lr_sweep_<lr>/metrics.jsonl` under `dir` (needs `--allow-read`).
 *
 * @param dir the sweep's folder
 * @returns the curves, by ascending peak LR
 */
export async function loadSweep(dir: string = CS336_SWEEP_DIR): Promise<SweepCurve[]> {
  const curves: SweepCurve[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = /^lr_sweep_(.+)$/.exec(entry.name);
    if (!entry.isDirectory || !match) continue;
    const peakLr = Number(match[1]);
    if (!(peakLr > 0)) throw new Error(`Cannot read a peak LR from folder ${entry.name}`);
    const text = await Deno.readTextFile(`${dir}/${entry.name}/metrics.jsonl`);
    curves.push(parseSweepLog(text, peakLr));
  }
  if (curves.length < 2) throw new Error(`Need at least two sweep runs in ${dir}`);
  return curves.sort((a, b) => a.peakLr - b.peakLr);
}
