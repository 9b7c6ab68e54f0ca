/**
 * Runs the PyTorch peer (peer_pytorch.py) as a child process and parses its JSON line.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import type { BenchConfig } from "./_report.ts";

const PEER_SCRIPT = fileURLToPath(new URL("./peer_pytorch.py", import.meta.url));

/** How to run the peer. */
export interface PeerOptions {
  steps: number;
  warmup: number;
  /** torch intra-op threads (BLAS threads come from `OPENBLAS_NUM_THREADS` in `env`). */
  threads: number;
  /** Where torch trains: `cpu`, or `cuda` as the peer of a GPU backend. @default "cpu" */
  device?: string;
  /** Extra environment (BLAS tuning), on top of ours. */
  env: Record<string, string>;
}

/**
 * Trains the config with PyTorch and returns what the peer printed.
 *
 * @param python The interpreter with `torch` importable (Debian's /usr/bin/python3).
 * @param config The model and batch.
 * @param options Steps, threads, environment.
 * @returns The peer's JSON record (`msPerStep`, `tokensPerSecond`, `params`, ...).
 * @throws When the interpreter or torch is missing, or the peer fails.
 */
export async function runPeer(
  python: string,
  config: BenchConfig,
  options: PeerOptions,
): Promise<Record<string, unknown>> {
  const { model, batch } = config;
  const args = [
    PEER_SCRIPT,
    ...["--vocab", model.vocabSize ?? 256, "--layers", model.layers, "--width", model.width],
    ...["--heads", model.heads, "--context", model.contextLength, "--batch", batch],
    ...["--steps", options.steps, "--warmup", options.warmup, "--threads", options.threads],
    ...["--device", options.device ?? "cpu"],
  ].map(String);
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(python, { args, env: options.env, stdin: "null" }).output();
  } catch (error) {
    throw new Error(
      `cannot run ${python} (${(error as Error).message}); apt-get install python3-torch`,
    );
  }
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim().split("\n").at(-1);
    throw new Error(`${python} ${PEER_SCRIPT} failed: ${stderr}`);
  }
  return JSON.parse(stdout.trim().split("\n").at(-1)!);
}
