/**
 * Backend selection for the training engine.
 *
 * Three tfjs backends, chosen explicitly and never swapped behind the caller's back:
 *
 * - `wasm` (default): `@tensorflow/tfjs-backend-wasm`, XNNPACK compiled to WebAssembly with
 *   SIMD. The `.wasm` binaries ship inside the npm package; we point tfjs at that folder in
 *   `node_modules` so nothing is fetched at run time.
 * - `cpu`: `@tensorflow/tfjs-backend-cpu`, plain JavaScript. Slow; useful as a reference.
 * - `webgpu`: `@tensorflow/tfjs-backend-webgpu` on Deno's built-in WebGPU; the adapter it runs on
 *   (a GPU, or Mesa's software llvmpipe) is part of what this reports. See webgpu/mod.ts.
 * - `tensorflow`: `@tensorflow/tfjs-node` (or `@tensorflow/tfjs-node-gpu` when
 *   `ADALRS_TF_GPU=1`), native libtensorflow. Its install script downloads libtensorflow from
 *   outside the npm registry, so it is opt-in: `deno task setup:tensorflow` (or
 *   `setup:tensorflow-gpu`) runs `deno add npm:@tensorflow/tfjs-node@4.22.0` and then
 *   `deno install --allow-scripts=...` so that the download script runs once.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { accelerateWasm, fusedOps } from "./blas/mod.ts";
import { type BackendName, unknownBackend } from "./backend_name.ts";
import type { Ops } from "./ops.ts";
import { referenceOps } from "./reference_ops.ts";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import {
  describeAdapter,
  type GpuAdapterInfo,
  registerWebgpu,
  watchWebgpuErrors,
} from "./webgpu/mod.ts";

/** What {@linkcode initBackend} reports once a backend is active. */
export interface BackendInfo {
  /** The tfjs backend name, as `tf.getBackend()` reports it (`tensorflow` for tfjs-node). */
  name: string;
  /** The version of the npm package that provides the backend. */
  version: string;
  /**
   * Native kernels in use, e.g. `OpenBLAS (Haswell, 2 threads) + wasm SIMD`, or the WebGPU
   * adapter in one line; absent when none are.
   */
  accelerator?: string;
  /** The WebGPU adapter (the `webgpu` backend only). */
  adapter?: GpuAdapterInfo;
}

/**
 * An active backend: what it is, and the {@linkcode Ops} the model and AdamW run on it, chosen
 * once here. Hand it to `createTrainer`.
 */
export interface Backend {
  /** What is running, as recorded in each run's `RunLeased` event. */
  readonly info: BackendInfo;
  /** The fused ops on wasm with OpenBLAS, the reference tfjs ops everywhere else. */
  readonly ops: Ops;
}

/**
 * How to install the native backend, as shown in the error when it is missing.
 *
 * @param gpu Whether the CUDA build (`ADALRS_TF_GPU=1`) was asked for.
 * @returns One sentence naming the deno task to run.
 */
export function tensorflowSetupHint(gpu: boolean): string {
  const task = gpu ? "setup:tensorflow-gpu" : "setup:tensorflow";
  return `Run \`deno task ${task}\` on a machine that can download libtensorflow, then try again.`;
}

/**
 * Activates a tfjs backend, checks that it really is the active one, and picks the ops the model
 * will run on it: on wasm, OpenBLAS and the fused kernels when they load (`accelerateWasm`),
 * else the reference ops; the reference ops on every other backend (WebGPU's own speed-ups
 * would be another `Ops`).
 *
 * Throws when the backend cannot be initialised; it never falls back to another backend,
 * because a silent switch to `cpu` would make a run 10x slower and its losses subtly different.
 *
 * @param name The backend to activate.
 * @default name "wasm"
 * @returns What is active, and its ops.
 * @example
 * ```ts ignore
 * const { info, ops } = await initBackend("wasm");
 * console.log(`${info.name} ${info.version}, ${ops.name} ops`);
 * ```
 */
export async function initBackend(name: BackendName = "wasm"): Promise<Backend> {
  let version: string;
  let adapter: GpuAdapterInfo | undefined;
  switch (name) {
    case "wasm":
      version = await registerWasm();
      break;
    case "cpu":
      version = (await import("@tensorflow/tfjs-backend-cpu")).version_cpu;
      break;
    case "webgpu":
      ({ version, adapter } = await registerWebgpu());
      break;
    case "tensorflow":
      version = await registerTensorflow();
      break;
    default:
      throw unknownBackend(name satisfies never);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    await tf.ready();
  } catch (cause) {
    throw new Error(`Backend ${name} failed to initialise: ${String(cause)}`, { cause });
  }
  if (!ok) {
    throw new Error(
      `Backend ${name} failed to initialise (tf.setBackend returned false; tfjs logged why above)`,
    );
  }
  // Production mode only silences tfjs's console hints (such as the cpu backend's banner
  // recommending tfjs-node), which would otherwise land in every worker's log. Set after
  // initialisation so that a failing backend's own warning still reaches the log.
  tf.env().set("PROD", true);
  const active = tf.getBackend();
  if (active !== name) throw new Error(`Backend ${name} was requested but ${active} is active`);
  if (adapter !== undefined) {
    watchWebgpuErrors();
    const info = { name: active, version, accelerator: describeAdapter(adapter), adapter };
    return { info, ops: referenceOps };
  }
  if (name !== "wasm") return { info: { name: active, version }, ops: referenceOps };
  // The matmul family through native BLAS when the library is there; one log line when not.
  const blas = await accelerateWasm();
  if (!blas.enabled) return { info: { name: active, version }, ops: referenceOps };
  const simd = blas.simd === true;
  const accelerator = `OpenBLAS (${blas.core}, ${blas.threads} threads)${
    simd ? " + wasm SIMD" : ""
  }`;
  return { info: { name: active, version, accelerator }, ops: fusedOps({ simd }) };
}

/** Registers the wasm backend, with its binaries located in the installed npm package. */
async function registerWasm(): Promise<string> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  // Emscripten would guess the folder from `__dirname`; we say it ourselves so the binary is
  // always the one in node_modules (never a URL) and a broken install fails loudly here.
  // Set once: the wasm module is instantiated on the first setBackend and then reused.
  if (!wasmPathsSet) {
    wasm.setWasmPaths(wasmBinaryDir() + "/");
    wasmPathsSet = true;
  }
  return wasm.version_wasm;
}

let wasmPathsSet = false;

/**
 * The folder holding `tfjs-backend-wasm*.wasm` inside node_modules.
 *
 * @returns An absolute file-system path, ending without a slash.
 */
export function wasmBinaryDir(): string {
  // The package's `main` is `dist/tf-backend-wasm.node.js`, next to the .wasm files.
  const require = createRequire(import.meta.url);
  const main = require.resolve("@tensorflow/tfjs-backend-wasm");
  const dir = dirname(main);
  try {
    Deno.statSync(join(dir, "tfjs-backend-wasm-simd.wasm"));
  } catch (cause) {
    throw new Error(`The tfjs wasm binaries are missing from ${dir}; reinstall node_modules`, {
      cause,
    });
  }
  return dir;
}

/** Loads tfjs-node (or tfjs-node-gpu), which registers the `tensorflow` backend on import. */
async function registerTensorflow(): Promise<string> {
  const gpu = Deno.env.get("ADALRS_TF_GPU") === "1";
  // Built at run time so that `deno check`, `deno cache` and the test runner do not try to
  // resolve a package that is normally absent; it resolves through deno.json "imports".
  const specifier = ["@tensorflow", gpu ? "tfjs-node-gpu" : "tfjs-node"].join("/");
  let mod: { version?: Record<string, string> };
  try {
    mod = await import(specifier);
  } catch (cause) {
    throw new Error(
      `The tensorflow backend needs ${specifier}, which is not installed or failed to load ` +
        `(${firstLine(cause)}). ${tensorflowSetupHint(gpu)}`,
      { cause },
    );
  }
  return mod.version?.["tfjs-node"] ?? mod.version?.["tfjs-node-gpu"] ?? "unknown";
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0];
}

/**
 * Whether an error comes from the WebAssembly runtime under tfjs aborting (`Aborted()`, `memory
 * access out of bounds`): after one, every later call into that runtime fails, so the process
 * holding it can train nothing more.
 */
export function isRuntimeAbort(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError;
}
