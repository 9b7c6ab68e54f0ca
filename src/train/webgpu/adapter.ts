/**
 * Finding the WebGPU adapter tfjs will run on, and naming it.
 *
 * @module
 */

import { explainVulkanSetup, probeVulkanSetup } from "./diagnose.ts";

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
  /** True for a software adapter (such as llvmpipe), which runs the shaders on the CPU. */
  fallback: boolean;
}

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
    // Deno reads DENO_WEBGPU_BACKEND to restrict wgpu to some of its backends.
    const restricted = Deno.env.get("DENO_WEBGPU_BACKEND");
    const why = restricted
      ? `DENO_WEBGPU_BACKEND=${restricted} restricts Deno's WebGPU to those backends.`
      : explainVulkanSetup(probeVulkanSetup());
    throw new Error(
      `No WebGPU adapter found (navigator.gpu.requestAdapter() gave null). ${why} ` +
        `Or train with --backend wasm.`,
    );
  }
  // `device` and `isFallbackAdapter` are newer than the lib.dom types Deno ships.
  const info = adapter.info as GPUAdapterInfo & {
    device?: number | string;
    isFallbackAdapter?: boolean;
  };
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: String(info.device ?? ""),
    description: info.description,
    fallback: info.isFallbackAdapter === true,
  };
}

/**
 * One line naming an adapter, for logs and the dashboard.
 *
 * @param info The adapter.
 * @returns e.g. `WebGPU on llvmpipe (LLVM 15.0.6, 256 bits), vendor 65541, software`.
 */
export function describeAdapter(info: GpuAdapterInfo): string {
  const name = info.description || [info.architecture, info.device].filter(Boolean).join(" ");
  const arch = info.description && info.architecture ? ` ${info.architecture}` : "";
  const software = info.fallback ? ", software" : "";
  return `WebGPU on ${name || "an unnamed adapter"}, vendor ${
    info.vendor || "unknown"
  }${arch}${software}`;
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
