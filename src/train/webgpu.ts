/**
 * The `webgpu` backend: `@tensorflow/tfjs-backend-webgpu` on Deno's built-in WebGPU
 * (`navigator.gpu`, wgpu underneath). It needs nothing from outside the npm registry; what it
 * needs from the machine is a WebGPU adapter, which on Linux means a Vulkan driver: the GPU
 * vendor's, or Mesa's software rasterizer llvmpipe (Debian's `mesa-vulkan-drivers`), which runs
 * the same shaders on the CPU and is what the tests use.
 *
 * This module finds the adapter (and says exactly what is missing when there is none), then
 * loads the tfjs package, which registers the backend. The model code needs nothing else: our
 * gradient rules (gradients.ts) are registered for every backend, and the wasm-heap kernels
 * (blas/) are looked up per backend, so on WebGPU the reference tfjs ops run in their place.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";
import { createRequire } from "node:module";

/** The adapter a `webgpu` backend runs on, as WebGPU reports it (`GPUAdapter.info`). */
export interface GpuAdapterInfo {
  /** The vendor: a name, or the PCI vendor id in decimal (llvmpipe reports Mesa's, 65541). */
  vendor: string;
  /** The device family, e.g. `ampere`; often empty. */
  architecture: string;
  /** The device id, as a string; `0` where the driver has none. */
  device: string;
  /** The driver's own description, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`. */
  description: string;
}

/** What Debian needs so that Deno's WebGPU finds an adapter; named in the error when none is. */
export const WEBGPU_SETUP_HINT =
  "Deno's WebGPU needs a Vulkan driver: on a GPU machine the vendor's (e.g. the NVIDIA driver " +
  "with its Vulkan ICD), and without a GPU Mesa's software adapter, `apt-get install " +
  "mesa-vulkan-drivers` on Debian. Or run with --backend wasm.";

/**
 * Asks Deno's WebGPU for the adapter tfjs will use (high-performance, as tfjs asks for it).
 *
 * Throws when WebGPU is unavailable or no adapter exists, naming what to install: a worker told
 * to use the GPU must not quietly train on something else.
 *
 * @returns The adapter's vendor, architecture, device and description.
 */
export async function findWebgpuAdapter(): Promise<GpuAdapterInfo> {
  const gpu = (navigator as { gpu?: GPU }).gpu;
  if (gpu === undefined) {
    throw new Error(`WebGPU is not available in this runtime (navigator.gpu is undefined)`);
  }
  quietWaylandProbe();
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (adapter === null) {
    throw new Error(
      `No WebGPU adapter found (navigator.gpu.requestAdapter() gave null). ${WEBGPU_SETUP_HINT}`,
    );
  }
  const { vendor, architecture, device, description } = adapter.info as GPUAdapterInfo & {
    device?: number | string;
  };
  return { vendor, architecture, device: String(device ?? ""), description };
}

/**
 * One line naming an adapter, for logs and the dashboard.
 *
 * @param info The adapter.
 * @returns e.g. `WebGPU on llvmpipe (LLVM 15.0.6, 256 bits), vendor 65541`.
 */
export function describeAdapter(info: GpuAdapterInfo): string {
  const name = info.description || [info.architecture, info.device].filter(Boolean).join(" ");
  const arch = info.description && info.architecture ? ` ${info.architecture}` : "";
  return `WebGPU on ${name || "an unnamed adapter"}, vendor ${info.vendor || "unknown"}${arch}`;
}

/**
 * Checks for an adapter, then loads tfjs's WebGPU backend (which registers itself on import).
 *
 * @returns The package version and the adapter.
 */
export async function registerWebgpu(): Promise<{ version: string; adapter: GpuAdapterInfo }> {
  // Adapter first: the package's own factory would fail on a null adapter with a TypeError.
  const adapter = await findWebgpuAdapter();
  await import("@tensorflow/tfjs-backend-webgpu");
  chunkAddN();
  // The package exports no version constant; its package.json has it.
  const require = createRequire(import.meta.url);
  const { version } = require("@tensorflow/tfjs-backend-webgpu/package.json") as {
    version: string;
  };
  return { version, adapter };
}

/**
 * Mesa's Vulkan driver probes for a Wayland display when a device is created and prints
 * `error: XDG_RUNTIME_DIR is invalid or not set` on headless machines (servers, CI), though
 * compute needs no display. Any absolute path silences it; a set value is left alone.
 */
function quietWaylandProbe(): void {
  if (Deno.env.get("XDG_RUNTIME_DIR")) return;
  Deno.env.set("XDG_RUNTIME_DIR", Deno.env.get("TMPDIR") || "/tmp");
}

/**
 * tfjs's WebGPU AddN binds every input as a storage buffer in one shader; past the device's
 * limit (8 per stage by default, one of them the output) the pipeline is invalid and the sum
 * comes back as zeros or stale memory, silently. The global gradient norm adds one term per
 * parameter (16 for the smallest GPT), so we replace the kernel with one that sums in chunks the
 * device can bind, through the original kernel.
 */
function chunkAddN(): void {
  const original = tf.getKernel(tf.AddN, "webgpu");
  if (original === undefined || original.kernelFunc === addNInChunks) return;
  const reference = original.kernelFunc;
  function addNInChunks(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
    const backend = args.backend as tf.KernelBackend & { device: GPUDevice };
    const perShader = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    let terms = args.inputs as unknown as tf.TensorInfo[];
    const partials: tf.TensorInfo[] = [];
    while (terms.length > perShader) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < terms.length; i += perShader) {
        const chunk = terms.slice(i, i + perShader);
        if (chunk.length === 1) {
          next.push(chunk[0]);
          continue;
        }
        const partial = reference({ ...args, inputs: chunk as unknown as tf.NamedTensorInfoMap });
        partials.push(partial as tf.TensorInfo);
        next.push(partial as tf.TensorInfo);
      }
      terms = next;
    }
    const sum = reference({ ...args, inputs: terms as unknown as tf.NamedTensorInfoMap });
    for (const partial of partials) backend.disposeData(partial.dataId);
    return sum as tf.TensorInfo;
  }
  tf.unregisterKernel(tf.AddN, "webgpu");
  tf.registerKernel({ ...original, kernelFunc: addNInChunks as tf.KernelFunc });
}

let deviceError: string | null = null;

/**
 * Listens for the active WebGPU device's uncaptured errors. WebGPU reports an invalid pipeline
 * or an out-of-memory buffer only as an event, and tfjs listens to none: the computation that
 * hit it returns zeros or stale memory. Recorded here, the trainer turns it into a failed step
 * ({@linkcode throwOnWebgpuError}). Call once the `webgpu` backend is active.
 */
export function watchWebgpuErrors(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (device === undefined || watched.has(device)) return;
  watched.add(device);
  device.addEventListener("uncapturederror", (event) => {
    deviceError ??= (event as GPUUncapturedErrorEvent).error.message;
  });
}

const watched = new WeakSet<GPUDevice>();

/**
 * Throws (once) when the WebGPU device has reported an error since the last call: the results
 * computed since then cannot be trusted. A no-op on other backends.
 */
export function throwOnWebgpuError(): void {
  if (deviceError === null) return;
  const message = deviceError;
  deviceError = null;
  throw new Error(
    `The WebGPU device reported an error, so this step's results are invalid: ${
      message.split("\n")[0]
    }`,
  );
}
