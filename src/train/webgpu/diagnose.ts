/**
 * Why Deno's WebGPU found no adapter (or only a software one): what of the Vulkan stack the
 * machine has, and what would provide the rest. Deno's WebGPU is wgpu on Vulkan here, which
 * needs the Vulkan loader (`libvulkan.so.1`) and at least one driver (an ICD: a JSON file naming
 * the driver's library).
 *
 * @module
 */

/** What of the Vulkan stack a machine has. */
export interface VulkanSetup {
  /** Where `libvulkan.so.1` was found; null when nowhere. */
  loader: string | null;
  /** The Vulkan driver manifests (ICD JSON files) found, by path. */
  drivers: string[];
  /** An NVIDIA GPU device node or kernel driver is present. */
  nvidiaGpu: boolean;
}

const LIBRARY_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64"];
const ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"];

/**
 * Looks at this machine's Vulkan stack (read-only, no driver is loaded).
 *
 * @returns The loader, the driver manifests and whether an NVIDIA GPU is present.
 */
export function probeVulkanSetup(): VulkanSetup {
  const exists = (path: string) => {
    try {
      Deno.statSync(path);
      return true;
    } catch {
      return false;
    }
  };
  const loader = [...LIBRARY_DIRS, "/usr/lib", "/lib"].map((dir) => `${dir}/libvulkan.so.1`)
    .find(exists) ?? null;
  // The loader's own overrides replace the search directories.
  const listed = Deno.env.get("VK_DRIVER_FILES") ?? Deno.env.get("VK_ICD_FILENAMES");
  const drivers = listed !== undefined
    ? listed.split(":").filter((path) => path !== "" && exists(path))
    : ICD_DIRS.flatMap((dir) => {
      try {
        return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"))
          .map((e) => `${dir}/${e.name}`).sort();
      } catch {
        return [];
      }
    });
  const nvidiaGpu = exists("/dev/nvidia0") || exists("/proc/driver/nvidia/version");
  return { loader, drivers, nvidiaGpu };
}

/**
 * Explains, in a sentence or three, what is missing for a (hardware) WebGPU adapter.
 *
 * @param setup What the machine has (see {@linkcode probeVulkanSetup}).
 * @returns What is missing and which package provides it.
 */
export function explainVulkanSetup(setup: VulkanSetup): string {
  const parts: string[] = [];
  if (setup.loader === null) {
    parts.push("The Vulkan loader libvulkan.so.1 is missing (Debian: apt-get install libvulkan1).");
  }
  const hardware = setup.drivers.filter((path) => !/lvp_icd/.test(path));
  const software = setup.drivers.length > hardware.length;
  if (setup.drivers.length === 0) {
    parts.push(`No Vulkan driver is installed (no ICD file in ${ICD_DIRS.join(", ")}).`);
  } else {
    parts.push(`Vulkan drivers installed: ${setup.drivers.join(", ")}.`);
  }
  if (setup.nvidiaGpu && !hardware.some((path) => /nvidia/.test(path))) {
    parts.push(
      "An NVIDIA GPU is present, but not its Vulkan driver: it comes with the NVIDIA driver " +
        "(nvidia_icd.json and libGLX_nvidia; Debian: nvidia-vulkan-icd), and in a container " +
        "only when NVIDIA_DRIVER_CAPABILITIES includes graphics (or is all).",
    );
  } else if (!setup.nvidiaGpu && !software) {
    parts.push(
      "Without a GPU, Mesa's software adapter llvmpipe runs WebGPU on the CPU " +
        "(Debian: apt-get install mesa-vulkan-drivers).",
    );
  }
  return parts.join(" ");
}
