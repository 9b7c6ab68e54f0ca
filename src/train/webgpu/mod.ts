/**
 * The `webgpu` backend: `@tensorflow/tfjs-backend-webgpu` on Deno's built-in WebGPU
 * (`navigator.gpu`, wgpu underneath). It needs nothing from outside the npm registry; what it
 * needs from the machine is a WebGPU adapter, which on Linux means a Vulkan driver: the GPU
 * vendor's, or Mesa's software rasterizer llvmpipe (Debian's `mesa-vulkan-drivers`), which runs
 * the same shaders on the CPU and is what the tests use.
 *
 * The model code needs nothing else: our gradient rules (gradients.ts) are registered for every
 * backend, and `initBackend` hands WebGPU the reference `Ops` (reference_ops.ts); WGSL kernels
 * of our own would be another `Ops`. What this unit adds to tfjs: the adapter check (and,
 * without one, what is missing), an AddN that stays within the device's binding limit, and
 * device errors that fail a step.
 *
 * @module
 */

import { createRequire } from "node:module";
import { installChunkedAddN } from "./add_n.ts";
import { findWebgpuAdapter, type GpuAdapterInfo } from "./adapter.ts";
import { explainVulkanSetup, probeVulkanSetup } from "./diagnose.ts";

export { describeAdapter, findWebgpuAdapter } from "./adapter.ts";
export { explainVulkanSetup, probeVulkanSetup, type VulkanSetup } from "./diagnose.ts";
export type { GpuAdapterInfo } from "./adapter.ts";
export { throwOnWebgpuError, watchWebgpuErrors } from "./device_errors.ts";

/**
 * Checks for an adapter, then loads tfjs's WebGPU backend (which registers itself on import)
 * and our AddN. Activate it with `tf.setBackend("webgpu")`, then call `watchWebgpuErrors()`.
 *
 * @param log Where the line warning of a software adapter goes (once). @default console.warn
 * @returns The package version and the adapter.
 */
export async function registerWebgpu(
  log: (line: string) => void = console.warn,
): Promise<{ version: string; adapter: GpuAdapterInfo }> {
  // Adapter first: the package's own factory would fail on a null adapter with a TypeError.
  const adapter = await findWebgpuAdapter();
  if (adapter.fallback && !warnedSoftware) {
    warnedSoftware = true; // once per process, not once per run
    // On a GPU machine a software adapter means the GPU's Vulkan driver is missing: say which.
    const setup = probeVulkanSetup();
    const gpu = setup.nvidiaGpu ? ` ${explainVulkanSetup(setup)}` : "";
    log(
      `adalrs: the WebGPU adapter is a software one (${adapter.description}): ` +
        `it runs on the CPU, far slower than --backend wasm.${gpu}`,
    );
  }
  await import("@tensorflow/tfjs-backend-webgpu");
  installChunkedAddN();
  // The package exports no version constant; its package.json has it.
  const require = createRequire(import.meta.url);
  const { version } = require("@tensorflow/tfjs-backend-webgpu/package.json") as {
    version: string;
  };
  return { version, adapter };
}

let warnedSoftware = false;
