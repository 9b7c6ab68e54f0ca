/**
 * Training-throughput benchmark: our trainer (tfjs wasm + OpenBLAS kernels) against the same
 * GPT in PyTorch (scripts/bench/peer_pytorch.py), alternating round by round in one invocation
 * so that both see the same machine load.
 *
 * Reports ms/step, tokens/s, effective GFLOP/s (6 x params x tokens / time), the machine's
 * sgemm GFLOP/s, the ratio ours/PyTorch (tokens/s), peak RSS and tf.memory().numTensors across
 * the timed steps; prints a table and writes JSON to docs/bench/.
 *
 *     deno task bench:train [--rounds 5] [--steps 20] [--warmup 3] [--stability 1000]
 *       [--configs small96,small,medium] [--plain-wasm] [--no-peer] [--torch-threads 1]
 *       [--backend wasm|webgpu|cpu] [--peer-device cpu|cuda] [--out docs/bench/train.json]
 *
 * `--backend webgpu` measures the GPU path instead: the configs default to small, medium and
 * large (25M parameters, batch 32 x 256: a GPU's size, hours on llvmpipe), the PyTorch peer runs
 * on CUDA (skipped, with the reason, where torch has none), the adapter is recorded, and the
 * JSON goes to docs/bench/train-webgpu.json.
 *
 * PyTorch runs the way it is fastest on this 2-core machine, which is also the split we use:
 * elementwise ops on one thread (torch intra-op threads = 1; ours: tfjs wasm is single-threaded)
 * and sgemm on all cores through OpenBLAS. Measured on the small config (Haswell core):
 * intra-op 1 + BLAS 2: 26.5 ms/step; intra-op 2 + BLAS 1: 31.7 ms; intra-op 2 + BLAS 2: 31 to
 * 230 ms (OpenMP and OpenBLAS threads oversubscribe two cores and spin against each other).
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { backendFlag, parseCommandLine } from "../../src/cli/mod.ts";
import { dirname } from "node:path";
import {
  accelerateWasm,
  measureSgemmGflops,
  restoreWasmKernels,
} from "../../src/train/blas/mod.ts";
import {
  type Backend,
  BACKEND_NAMES,
  createTrainer,
  initBackend,
  parseBackendName,
  referenceOps,
  type Trainer,
} from "../../src/train/mod.ts";
import { type BenchConfig, CONFIGS, formatTable, median, type Row } from "./_report.ts";
import { runPeer } from "./_peer.ts";

const { values: args } = parseCommandLine({
  usage: "deno task bench:train [--rounds 5] [--steps 20] [--configs small96,small,medium] " +
    `[--backend ${BACKEND_NAMES.join("|")}]`,
  about: "Training throughput, ours (tfjs + our kernels) against PyTorch, alternating " +
    "rounds; writes --out.",
  flags: {
    rounds: { kind: "number", integer: true, min: 1, default: 5, help: "alternating rounds" },
    steps: { kind: "number", integer: true, min: 1, default: 20, help: "timed steps per round" },
    warmup: { kind: "number", integer: true, min: 0, default: 3, help: "untimed steps first" },
    stability: { kind: "number", integer: true, min: 0, default: 0, help: "memory-check steps" },
    configs: {
      kind: "string",
      help: "model shapes, by name [default: small96,small,medium; small,medium,large on webgpu]",
    },
    "plain-wasm": { kind: "boolean", help: "also time tfjs wasm without our kernels" },
    "no-peer": { kind: "boolean", help: "skip PyTorch" },
    python: { kind: "string", default: "/usr/bin/python3", help: "python with torch" },
    "torch-threads": { kind: "number", integer: true, min: 1, default: 1, help: "intra-op" },
    out: {
      kind: "string",
      help: "where to write results [default: docs/bench/train.json, train-webgpu.json on webgpu]",
    },
    backend: backendFlag(),
    "peer-device": { kind: "string", help: "PyTorch's device [default: cpu; cuda on webgpu]" },
  },
});
const { rounds, steps, warmup } = args;
const stabilitySteps = args.stability;
const backendName = parseBackendName(args.backend);
const onGpu = backendName === "webgpu";
const configNames = (args.configs ?? (onGpu ? "small,medium,large" : "small96,small,medium"))
  .split(",");
const outPath = args.out ?? (onGpu ? "docs/bench/train-webgpu.json" : "docs/bench/train.json");
const peerDevice = args["peer-device"] ?? (onGpu ? "cuda" : "cpu");

const active: Backend = await initBackend(backendName);
const backend = active.info;
console.log(`backend: ${backend.name} ${backend.version} ${backend.accelerator ?? ""}`);
// OpenBLAS serves the wasm backend only; elsewhere this reports why it is off.
const blas = backendName === "wasm"
  ? await accelerateWasm()
  : { enabled: false, threads: 0, reason: `not used by the ${backendName} backend` };
const threads = blas.enabled ? blas.threads : navigator.hardwareConcurrency;
// PyTorch gets the BLAS tuning we use: the caller's OPENBLAS_CORETYPE if set (it inherits it),
// else the core our selection logic settled on; and the same thread count.
const torchThreads = args["torch-threads"];
const peerEnv: Record<string, string> = {
  OPENBLAS_NUM_THREADS: String(threads),
  OMP_NUM_THREADS: String(torchThreads),
};
if (!Deno.env.get("OPENBLAS_CORETYPE") && blas.core) {
  peerEnv.OPENBLAS_CORETYPE = blas.core.toUpperCase();
}
const sgemmGflops = measureSgemmGflops(512);
console.log(
  blas.enabled
    ? `OpenBLAS ${blas.core} x${blas.threads} (${blas.coreReason}); sgemm 512: ${
      sgemmGflops?.toFixed(0)
    } GFLOP/s`
    : `OpenBLAS off: ${blas.reason}`,
);

/** Times `count` trainer steps; returns each step's milliseconds. */
async function timeSteps(trainer: Trainer, first: number, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let s = first; s < first + count; s++) {
    const start = performance.now();
    await trainer.step(s, 1e-3);
    times.push(performance.now() - start);
  }
  return times;
}

function peakRssMiB(): number {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    if (Number.isFinite(kb)) return kb / 1024;
  } catch { /* not Linux */ }
  return Deno.memoryUsage().rss / 2 ** 20;
}

const results: Row[] = [];
const details: Record<string, unknown>[] = [];
for (const name of configNames) {
  const config: BenchConfig | undefined = CONFIGS[name];
  if (config === undefined) {
    throw new Error(`Unknown config ${name}; known: ${Object.keys(CONFIGS)}`);
  }
  const trainerOn = (on: Backend) =>
    createTrainer({
      model: config.model,
      data: { corpus: "moby-dick" },
      batchSize: config.batch,
      seed: 1,
      optimizer: {},
      backend: on,
    });
  const trainer = trainerOn(active);
  const tokens = trainer.tokensPerStep, params = trainer.parameterCount;
  let step = 0;
  await timeSteps(trainer, step, warmup);
  step += warmup;
  const tensorsBefore = tf.memory().numTensors;
  const ours: number[] = [], torch: number[] = [];
  let peerInfo: Record<string, unknown> | null = null, peerError: string | null = null;
  for (let r = 0; r < rounds; r++) {
    ours.push(median(await timeSteps(trainer, step, steps)));
    step += steps;
    if (args["no-peer"] || peerError !== null) continue;
    try {
      peerInfo = await runPeer(args.python, config, {
        steps,
        warmup,
        threads: torchThreads,
        device: peerDevice,
        env: peerEnv,
      });
      torch.push(peerInfo.msPerStep as number);
    } catch (error) {
      peerError = error instanceof Error ? error.message : String(error);
      console.warn(`PyTorch peer skipped: ${peerError}`);
    }
  }
  const tensorsAfter = tf.memory().numTensors;
  const stability: number[] = [];
  for (let s = 0; s < stabilitySteps; s++) {
    await trainer.step(step++, 1e-3);
    if ((s + 1) % 100 === 0) stability.push(tf.memory().numTensors);
  }
  let plain: number | null = null;
  if (args["plain-wasm"] && blas.enabled) {
    // The reference kernels and ops for a few steps (after one untimed), then BLAS again.
    restoreWasmKernels();
    const reference = trainerOn({ info: backend, ops: referenceOps });
    await timeSteps(reference, 0, 1);
    plain = median(await timeSteps(reference, 1, 3));
    reference.dispose();
    await accelerateWasm({ threads });
  }
  trainer.dispose();
  const flopsPerStep = 6 * params * tokens;
  const row = (
    impl: string,
    ms: number | null,
    tensorsStable: boolean | null,
    rss: number | null,
  ): Row => ({
    config: name,
    impl,
    msPerStep: ms,
    tokensPerSecond: ms === null ? null : tokens / (ms / 1000),
    effectiveGflops: ms === null ? null : flopsPerStep / (ms * 1e6),
    tensorsStable,
    peakRssMiB: rss,
  });
  const stable = tensorsAfter === tensorsBefore && stability.every((n) => n === tensorsBefore);
  const oursMs = median(ours), torchMs = torch.length ? median(torch) : null;
  const rss = peakRssMiB(), peerRss = (peerInfo?.peakRssMiB as number | undefined) ?? null;
  // Each round's pair ran back to back, so its ratio is the least disturbed by other load.
  const roundRatios = torch.map((t, i) => t / ours[i]);
  const ratio = roundRatios.length ? median(roundRatios) : null;
  results.push({ ...row("ours", oursMs, stable, rss), ratio });
  if (!args["no-peer"]) results.push(row("pytorch", torchMs, null, peerRss));
  if (plain !== null) results.push(row("tfjs-wasm (no BLAS)", plain, null, null));
  details.push({
    config: name,
    model: config.model,
    batch: config.batch,
    params,
    tokensPerStep: tokens,
    oursRoundsMs: ours,
    pytorchRoundsMs: torch,
    roundRatios,
    pytorch: peerInfo === null ? null : { ...peerInfo, stepsMs: undefined },
    pytorchError: peerError,
    numTensors: {
      beforeTimedSteps: tensorsBefore,
      afterTimedSteps: tensorsAfter,
      every100: stability,
    },
    peakRssMiB: rss,
    peerPeakRssMiB: peerRss,
    plainWasmMsPerStep: plain,
  });
}

console.log(formatTable(results));
const record = {
  at: new Date().toISOString(),
  command: `deno task bench:train ${Deno.args.join(" ")}`.trim(),
  machine: { cpus: navigator.hardwareConcurrency, os: Deno.build.os, arch: Deno.build.arch },
  backend,
  blas: { ...blas, sgemmGflops512: sgemmGflops },
  peerDevice,
  peerEnv,
  rounds,
  steps,
  warmup,
  results,
  details,
};
await Deno.mkdir(dirname(outPath), { recursive: true });
await Deno.writeTextFile(outPath, JSON.stringify(record, null, 2) + "\n");
console.log(`wrote ${outPath}`);
