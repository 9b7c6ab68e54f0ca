/**
 * OpenBLAS core-type selection, as pure functions of the CPU's flags and the core the library
 * detected by itself.
 *
 * Why this exists: Debian's OpenBLAS 0.3.21 is a DYNAMIC_ARCH build that picks its kernels from
 * CPUID at load time, and on CPUs newer than the library (AMD Zen 4, some VMs) it falls back to an
 * older core (`Haswell`, sometimes `Prescott`) although the kernel reports AVX-512. The library
 * honours `OPENBLAS_CORETYPE` when it is loaded, so we can pick the better core ourselves; the
 * caller verifies the choice with a numerical self-test before keeping it.
 *
 * @module
 */

/** SIMD tiers that OpenBLAS's x86-64 sgemm kernels are written for, slowest first. */
export type SimdTier = 0 | 1 | 2 | 3;

/** `OPENBLAS_CORETYPE` values we may choose, one per tier above the baseline. */
const CORE_FOR_TIER: Record<1 | 2 | 3, string> = {
  1: "SANDYBRIDGE", // AVX
  2: "HASWELL", // AVX2 + FMA3
  3: "SKYLAKEX", // AVX-512 F/BW/VL/DQ
};

/** OpenBLAS core names (as `openblas_get_corename` spells them, lower-cased) by tier. */
const TIER_OF_CORE: Record<string, SimdTier> = {
  sandybridge: 1,
  bulldozer: 1,
  piledriver: 1,
  steamroller: 1,
  haswell: 2,
  zen: 2,
  excavator: 2,
  skylakex: 3,
  cooperlake: 3,
  sapphirerapids: 3,
};

/**
 * Reads the CPU feature flags of the first processor in a `/proc/cpuinfo` text.
 *
 * @param cpuinfo The file's contents.
 * @returns The flags, lower-case; empty when the text has no x86 `flags` line.
 */
export function parseCpuFlags(cpuinfo: string): Set<string> {
  const line = cpuinfo.split("\n").find((l) => /^flags\s*:/.test(l));
  if (line === undefined) return new Set();
  return new Set(line.slice(line.indexOf(":") + 1).trim().toLowerCase().split(/\s+/));
}

/**
 * The best SIMD tier the CPU (as the OS reports it) can run.
 *
 * The kernel drops AVX/AVX-512 from `flags` when it does not save their register state, so a
 * flag present here is safe to execute.
 *
 * @param flags CPU flags from {@linkcode parseCpuFlags}.
 * @returns 0 (SSE only) to 3 (AVX-512).
 */
export function tierOfFlags(flags: Set<string>): SimdTier {
  const has = (...names: string[]) => names.every((n) => flags.has(n));
  if (has("avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma")) return 3;
  if (has("avx2", "fma")) return 2;
  if (has("avx")) return 1;
  return 0;
}

/**
 * The SIMD tier of an OpenBLAS core name; unknown and pre-AVX cores (`Prescott`, `Core2`,
 * `Katmai`, `Nehalem`, generic...) are tier 0.
 *
 * @param corename What `openblas_get_corename()` returned, e.g. `Haswell`.
 * @returns 0 to 3.
 */
export function tierOfCore(corename: string): SimdTier {
  return TIER_OF_CORE[corename.trim().toLowerCase()] ?? 0;
}

/** Inputs to {@linkcode chooseCoreType}. */
export interface CoreTypeInput {
  /** `OPENBLAS_CORETYPE` as found in the environment; a non-empty value is never overridden. */
  envCoretype?: string;
  /** The CPU's flags, or `null` when `/proc/cpuinfo` could not be read. */
  flags: Set<string> | null;
  /** The core OpenBLAS detected by itself, loaded without `OPENBLAS_CORETYPE`. */
  detected: string;
}

/** What {@linkcode chooseCoreType} decided. */
export interface CoreTypeChoice {
  /** The `OPENBLAS_CORETYPE` to load the library with, or `null` to keep what it has. */
  coretype: string | null;
  /** One sentence saying why, for logs and benchmark records. */
  reason: string;
}

/**
 * Decides whether to force an OpenBLAS core type: only when nobody set one, the flags are known,
 * and the CPU supports a strictly faster kernel tier than the one the library detected.
 *
 * @param input The environment's value, the CPU flags and the detected core.
 * @returns The core type to force (or `null`) and the reason.
 * @example
 * ```ts
 * import { chooseCoreType } from "./coretype.ts";
 * const flags = new Set(["avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]);
 * const choice = chooseCoreType({ flags, detected: "Prescott" });
 * if (choice.coretype !== "SKYLAKEX") throw new Error(choice.reason);
 * ```
 */
export function chooseCoreType(input: CoreTypeInput): CoreTypeChoice {
  const { envCoretype, flags, detected } = input;
  if (envCoretype !== undefined && envCoretype.trim() !== "") {
    return { coretype: null, reason: `OPENBLAS_CORETYPE=${envCoretype} was set by the caller` };
  }
  if (flags === null) {
    return { coretype: null, reason: `CPU flags unknown; keeping detected core ${detected}` };
  }
  const cpu = tierOfFlags(flags);
  const lib = tierOfCore(detected);
  if (cpu > lib && cpu > 0) {
    const core = CORE_FOR_TIER[cpu as 1 | 2 | 3];
    return { coretype: core, reason: `detected core ${detected} is below what the CPU supports` };
  }
  return { coretype: null, reason: `detected core ${detected} matches the CPU` };
}
