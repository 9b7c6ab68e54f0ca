import assert from "node:assert/strict";
import {
  chooseCoreType,
  parseCpuFlags,
  tierOfCore,
  tierOfFlags,
} from "../../src/train/blas/coretype.ts";

const AVX512 = "fpu sse sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl";
const AVX2 = "fpu sse sse2 sse4_2 avx avx2 fma";
const flags = (line: string) => parseCpuFlags(`processor\t: 0\nflags\t\t: ${line}\n`);

Deno.test("parseCpuFlags() reads the first flags line, lower-cased", () => {
  const text =
    "processor\t: 0\nflags\t\t: FPU avx2  fma\nbugs\t: x\n\nprocessor\t: 1\nflags\t: sse\n";
  assert.deepEqual([...parseCpuFlags(text)], ["fpu", "avx2", "fma"]);
  assert.deepEqual(parseCpuFlags("Processor: ARMv8\nFeatures: neon\n").size, 0);
});

Deno.test("tierOfFlags() needs all four AVX-512 subsets for tier 3", () => {
  assert.deepEqual(tierOfFlags(flags(AVX512)), 3);
  assert.deepEqual(tierOfFlags(flags("avx avx2 fma avx512f")), 2); // Xeon Phi-like: F without BW/VL
  assert.deepEqual(tierOfFlags(flags(AVX2)), 2);
  assert.deepEqual(tierOfFlags(flags("avx avx2")), 1); // AVX2 without FMA is not a Haswell kernel
  assert.deepEqual(tierOfFlags(flags("sse sse2 ssse3")), 0);
});

Deno.test("tierOfCore() ranks OpenBLAS core names; old and unknown ones are 0", () => {
  assert.deepEqual(tierOfCore("SkylakeX"), 3);
  assert.deepEqual(tierOfCore("Cooperlake"), 3);
  assert.deepEqual(tierOfCore("Haswell"), 2);
  assert.deepEqual(tierOfCore("Zen"), 2);
  assert.deepEqual(tierOfCore("Sandybridge"), 1);
  for (const old of ["Prescott", "Core2", "Katmai", "Nehalem", "Generic", "unknown", ""]) {
    assert.deepEqual(tierOfCore(old), 0, old);
  }
});

Deno.test("chooseCoreType() upgrades an old detected core to what the CPU supports", () => {
  assert.deepEqual(
    chooseCoreType({ flags: flags(AVX512), detected: "Prescott" }).coretype,
    "SKYLAKEX",
  );
  assert.deepEqual(
    chooseCoreType({ flags: flags(AVX512), detected: "Haswell" }).coretype,
    "SKYLAKEX",
  );
  assert.deepEqual(
    chooseCoreType({ flags: flags(AVX2), detected: "Prescott" }).coretype,
    "HASWELL",
  );
  assert.deepEqual(chooseCoreType({ flags: flags(AVX2), detected: "Core2" }).coretype, "HASWELL");
  assert.deepEqual(
    chooseCoreType({ flags: flags("avx"), detected: "Katmai" }).coretype,
    "SANDYBRIDGE",
  );
});

Deno.test("chooseCoreType() keeps a detected core that already matches or beats the flags", () => {
  assert.deepEqual(chooseCoreType({ flags: flags(AVX512), detected: "SkylakeX" }).coretype, null);
  assert.deepEqual(chooseCoreType({ flags: flags(AVX512), detected: "Cooperlake" }).coretype, null);
  assert.deepEqual(chooseCoreType({ flags: flags(AVX2), detected: "Zen" }).coretype, null);
  assert.deepEqual(
    chooseCoreType({ flags: flags("sse sse2"), detected: "Prescott" }).coretype,
    null,
  );
});

Deno.test("chooseCoreType() never overrides a caller's OPENBLAS_CORETYPE", () => {
  const choice = chooseCoreType({
    envCoretype: "Haswell",
    flags: flags(AVX512),
    detected: "Haswell",
  });
  assert.deepEqual(choice.coretype, null);
  assert.match(choice.reason, /OPENBLAS_CORETYPE=Haswell was set/);
  // An empty value is unset, as OpenBLAS itself treats it.
  assert.deepEqual(
    chooseCoreType({ envCoretype: "", flags: flags(AVX512), detected: "Prescott" }).coretype,
    "SKYLAKEX",
  );
});

Deno.test("chooseCoreType() keeps the detected core when the flags are unknown", () => {
  const choice = chooseCoreType({ flags: null, detected: "Prescott" });
  assert.deepEqual(choice.coretype, null);
  assert.match(choice.reason, /unknown/);
});
