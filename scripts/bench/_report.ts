/**
 * Benchmark configs and the table the training benchmark prints.
 *
 * @module
 */

import type { ModelConfig } from "../../src/train/mod.ts";

/** A model and a batch size to benchmark (context = model.contextLength). */
export interface BenchConfig {
  model: ModelConfig;
  batch: number;
}

/**
 * The configurations: the small model (vocab 96, ~0.41M params; byte-level corpus ids
 * above 95 become all-zero one-hot rows, which changes no timing), the same at the byte-level
 * default vocab 256, a ~3.2M-parameter one, and a 25M-parameter one at batch 32 x 256 for GPUs.
 */
export const CONFIGS: Record<string, BenchConfig> = {
  small96: {
    model: { vocabSize: 96, layers: 2, width: 128, heads: 4, contextLength: 64 },
    batch: 16,
  },
  small: {
    model: { vocabSize: 256, layers: 2, width: 128, heads: 4, contextLength: 64 },
    batch: 16,
  },
  medium: {
    model: { vocabSize: 256, layers: 4, width: 256, heads: 8, contextLength: 64 },
    batch: 16,
  },
  // Sizes that only make sense on a GPU (bench:train --backend webgpu).
  large: {
    model: { vocabSize: 256, layers: 8, width: 512, heads: 8, contextLength: 256 },
    batch: 32,
  },
};

/** One line of the results table. */
export interface Row {
  config: string;
  impl: string;
  msPerStep: number | null;
  tokensPerSecond: number | null;
  effectiveGflops: number | null;
  /** Ours only: our tokens/s over PyTorch's (>1: we are faster), the median over rounds. */
  ratio?: number | null;
  /** Ours only: numTensors unchanged over the timed (and stability) steps. */
  tensorsStable: boolean | null;
  /** Peak resident memory of the process (ours: the whole benchmark process so far). */
  peakRssMiB: number | null;
}

/**
 * The median of some numbers.
 *
 * @param xs Samples (not modified).
 * @returns The median; NaN for none.
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Formats rows as an aligned text table.
 *
 * @param rows The results.
 * @returns The table, one line per row plus a header.
 */
export function formatTable(rows: readonly Row[]): string {
  const fmt = (x: number | null | undefined, digits: number) => x == null ? "-" : x.toFixed(digits);
  const header = [
    "config",
    "impl",
    "ms/step",
    "tokens/s",
    "eff GFLOP/s",
    "ours/torch",
    "peak RSS MiB",
    "tensors",
  ];
  const lines = rows.map((r) => [
    r.config,
    r.impl,
    fmt(r.msPerStep, 1),
    fmt(r.tokensPerSecond, 0),
    fmt(r.effectiveGflops, 1),
    r.ratio === undefined ? "" : fmt(r.ratio, 2) + (r.ratio == null ? "" : "x"),
    fmt(r.peakRssMiB, 0),
    r.tensorsStable === null ? "" : r.tensorsStable ? "stable" : "LEAK",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  return [header, ...lines].map((l) => l.map((c, i) => c.padEnd(widths[i])).join("  ")).join("\n");
}
