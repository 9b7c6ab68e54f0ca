/**
 * What the README's two commands (and, for the npm packages, every other task) need besides Deno,
 * checked (and installed where possible) before they run:
 *
 *     deno run -A scripts/setup.ts start   npm packages fetched quietly; native OpenBLAS
 *     deno run -A scripts/setup.ts test    the same, plus Chromium for the browser tests, Debian's
 *                                          PyTorch for the Python client's tests and Mesa's
 *                                          Vulkan driver (llvmpipe) for the webgpu tests
 *     deno run -A scripts/setup.ts packages  the npm packages only: every other task runs it first,
 *                                          so any task works on a fresh clone
 *
 * A missing Debian package is installed with apt-get when this process is root and apt-get
 * exists; otherwise one boxed message names the exact command and what going without costs.
 * It never fails the command it precedes: the service runs without native BLAS (slower), and
 * the browser tests say themselves that Chromium is missing. `ADALRS_NO_APT=1` turns the
 * installing off (the message stays).
 *
 * @module
 */

import { libraryCandidates } from "../src/train/blas/openblas.ts";
// Not src/cli/mod.ts: set-up runs before `deno install`, so nothing it imports may need an npm package.
import { parseCommandLine } from "../src/cli/flags.ts";
import { pathExists as exists } from "../src/cli/paths.ts";

/** Where Debian's `chromium` package puts the browser (the browser tests and screenshots use it). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** A Debian package one of the README's commands needs. */
interface Requirement {
  /** The Debian package that provides it. */
  pkg: string;
  /** Whether it is usable now. */
  present(): boolean;
  /** What going without it costs, for the message when it cannot be installed. */
  without: string;
}

const OPENBLAS: Requirement = {
  pkg: "libopenblas0-pthread",
  present: openBlasLoads,
  // README "Performance": 0.41M GPT, 23.6 ms/step with OpenBLAS, ~174 ms without (bench:train).
  without: "training runs about 7x slower (23.6 vs ~174 ms per step, bench:train, 0.41M GPT)",
};
const CHROMIUM: Requirement = {
  pkg: "chromium",
  present: () => exists(CHROMIUM_PATH),
  without: "the dashboard's browser tests (tests/browser/) fail",
};

const TORCH: Requirement = {
  pkg: "python3-torch",
  present: () => pythonHasTorch(),
  without: "the Python client's PyTorch tests (clients/python/) fail",
};
const LAVAPIPE: Requirement = {
  pkg: "mesa-vulkan-drivers",
  present: () => lavapipePresent(),
  without: "the webgpu backend's tests find no adapter (Mesa's llvmpipe through Vulkan)",
};

/** The Debian packages each purpose needs; the other tasks need only the npm packages. */
const DEBIAN_PACKAGES: Record<"start" | "test" | "packages", Requirement[]> = {
  start: [OPENBLAS],
  test: [OPENBLAS, CHROMIUM, TORCH, LAVAPIPE],
  packages: [],
};

const SPEC = {
  usage: "deno run -A scripts/setup.ts start|test|packages",
  about: "Installs what `deno task start` (native OpenBLAS) or `deno task test` (also Chromium, " +
    "python3-torch, mesa-vulkan-drivers) " +
    "needs: npm packages quietly, Debian packages with apt-get when root; `packages`: the npm " +
    "packages only (what every other task needs).",
  positionals: { min: 1, max: 1, names: "start|test|packages" },
  flags: {},
} as const;

if (import.meta.main) {
  const { positionals } = parseCommandLine(SPEC, Deno.args);
  const purpose = positionals[0];
  if (!Object.hasOwn(DEBIAN_PACKAGES, purpose)) {
    console.error(`setup: expected start, test or packages, not ${purpose}\nusage: ${SPEC.usage}`);
    Deno.exit(2);
  }
  await installNpmPackages();
  await ensure(DEBIAN_PACKAGES[purpose as keyof typeof DEBIAN_PACKAGES]);
}

/**
 * Fetches the npm packages into node_modules with their output captured: a first `deno run`
 * would otherwise print one "Initialize" line per package (about 230) before the service's line.
 */
async function installNpmPackages(): Promise<void> {
  const first = !exists("node_modules/.deno");
  if (first) console.error("setup: fetching npm packages (first run only)…");
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr).trim();
    console.error(`setup: deno install failed:\n${text}`);
    Deno.exit(1);
  }
}

/** Installs the missing requirements with apt-get when it can; one loud message when not. */
async function ensure(requirements: Requirement[]): Promise<void> {
  const missing = requirements.filter((r) => !r.present());
  if (missing.length === 0) return;
  const pkgs = missing.map((r) => r.pkg).join(" ");
  if (canUseApt()) {
    console.error(`setup: installing ${pkgs} with apt-get (once; a minute or two)…`);
    const failure = await aptInstall(missing.map((r) => r.pkg));
    const still = missing.filter((r) => !r.present());
    if (!failure && still.length === 0) {
      console.error(`setup: installed ${pkgs}`);
      return;
    }
    shout(still.length > 0 ? still : missing, `apt-get failed: ${failure ?? "still missing"}`);
    return;
  }
  const why = Deno.env.get("ADALRS_NO_APT") === "1"
    ? "ADALRS_NO_APT=1"
    : Deno.uid() === 0
    ? "apt-get is not available"
    : "not running as root";
  shout(missing, why);
}

function canUseApt(): boolean {
  // ADALRS_NO_APT=1: report what is missing, never install (for machines managed otherwise).
  if (Deno.env.get("ADALRS_NO_APT") === "1") return false;
  return Deno.build.os === "linux" && Deno.uid() === 0 && exists("/usr/bin/apt-get");
}

/** Runs apt-get update and install quietly; returns the last lines of output on failure. */
async function aptInstall(pkgs: string[]): Promise<string | undefined> {
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  // Another apt-get (unattended upgrades, a second engineer) may hold dpkg's lock: wait for it.
  const wait = ["-o", "DPkg::Lock::Timeout=300"];
  for (const args of [["update", "-qq", ...wait], ["install", "-y", "-qq", ...wait, ...pkgs]]) {
    const out = await new Deno.Command("apt-get", { args, env, stdout: "piped", stderr: "piped" })
      .output();
    if (!out.success) {
      const text = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" / ");
      return `apt-get ${args[0]} exited ${out.code}: ${text}`;
    }
  }
  return undefined;
}

/** One boxed message, hard to miss among other output. */
function shout(missing: Requirement[], why: string): void {
  const sudo = Deno.uid() === 0 ? "" : "sudo ";
  const lines = [
    `MISSING: ${missing.map((r) => r.pkg).join(", ")} (not installed automatically: ${why})`,
    ...missing.map((r) => `  without ${r.pkg}: ${r.without}`),
    `  install with: ${sudo}apt-get install -y ${missing.map((r) => r.pkg).join(" ")}`,
  ];
  const width = Math.max(...lines.map((l) => l.length));
  const bar = "!".repeat(width + 4);
  console.error([bar, ...lines.map((l) => `! ${l.padEnd(width)} !`), bar].join("\n"));
}

/** Whether any OpenBLAS the training backend would search for opens. */
function openBlasLoads(): boolean {
  for (const path of libraryCandidates(Deno.env.get("ADALRS_BLAS_LIB"))) {
    try {
      const lib = Deno.dlopen(path, {
        openblas_get_num_threads: { parameters: [], result: "i32" },
      });
      lib.close();
      return true;
    } catch {
      // Try the next candidate.
    }
  }
  return false;
}

/** Whether Debian's Python (the one the Python tests use) imports torch. */
function pythonHasTorch(): boolean {
  if (!exists("/usr/bin/python3")) return false;
  const out = new Deno.Command("/usr/bin/python3", {
    args: ["-c", "import torch"],
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return out.success;
}

/** Whether Mesa's lavapipe Vulkan driver is installed (its ICD file names the architecture). */
function lavapipePresent(): boolean {
  try {
    for (const entry of Deno.readDirSync("/usr/share/vulkan/icd.d")) {
      if (entry.name.startsWith("lvp_icd.")) return true;
    }
  } catch {
    // No ICD folder: no Vulkan driver at all.
  }
  return false;
}
