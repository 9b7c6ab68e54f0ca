/**
 * Elementwise kernels in WebAssembly SIMD (f32x4), running in place on the tfjs wasm heap.
 *
 * The fused kernels of fused_layers.ts and fused_adamw.ts are JavaScript loops: one pass instead
 * of many tfjs kernels, but scalar. These are the same loops four lanes at a time, written in the
 * WebAssembly text format below, assembled at startup by `wabt` and instantiated on the very
 * `WebAssembly.Memory` the backend keeps its tensors in, so they read and write tensors where
 * they are. Each function handles the first `n - n % 4` elements; callers finish the tail.
 *
 * GELU needs `exp`, which SIMD lacks: `exp(x) = 2^k e^r` with `k = round(x / ln 2)` and
 * `r = x - k ln 2` (ln 2 split into a high and a low part so that `k ln 2` is exact to float32),
 * `e^r` its Taylor polynomial to r⁷ on |r| <= ln(2)/2, and `2^k` built from its exponent bits.
 * Inputs are clamped to [-87, 88], where float32 `exp` neither underflows to a denormal nor
 * overflows.
 *
 * @module
 */

import wabtInit from "wabt";

/** Byte offsets on the heap and element counts; the kernels never allocate. */
export interface SimdKernels {
  /** `s = sigmoid(t)`, `y = x s` with `t = x (c1 + c3 x²)`: the tanh-GELU forward. */
  gelu(x: number, y: number, s: number, n: number, c1: number, c3: number): void;
  /** `dx = dy (s + x s (1 - s) (c3 x² + c1))`: its backward, given the saved `s`. */
  geluGrad(dy: number, x: number, s: number, dx: number, n: number, c3: number, c1: number): void;
  /**
   * Layer norm over rows of `C` (a multiple of 4): `xh = (x - mean) rstd`, `y = xh g + b`, and
   * each row's `rstd`; moments from one pass, shifted by the row's first value.
   */
  layerNorm(
    x: number,
    g: number,
    b: number,
    y: number,
    xh: number,
    rstd: number,
    rows: number,
    C: number,
    eps: number,
  ): void;
  /**
   * Its backward: `dx = rstd (dy g - mean(dy g) - xh mean(dy g xh))` per row, and `dg += dy xh`,
   * `db += dy` summed over rows into `dg`, `db` (which the caller zeroes).
   */
  layerNormGrad(
    dy: number,
    xh: number,
    rstd: number,
    g: number,
    dx: number,
    dg: number,
    db: number,
    rows: number,
    C: number,
  ): void;
  /**
   * One AdamW step: `m' = b1 m + g1 g`, `v' = b2 v + g2 g²`,
   * `p' = decay p - stepSize m' / (sqrt(v') invRoot + eps)`, into `p2`, `m2`, `v2`.
   */
  adamw(
    p: number,
    m: number,
    v: number,
    g: number,
    p2: number,
    m2: number,
    v2: number,
    n: number,
    c: AdamWConstants,
  ): void;
}

/** The per-step scalars of {@linkcode SimdKernels.adamw}, already folded. */
export interface AdamWConstants {
  beta1: number;
  g1: number;
  beta2: number;
  g2: number;
  decay: number;
  stepSize: number;
  invRoot: number;
  eps: number;
}

const splat = (name: string, value: string) => `(local.set $${name} (f32x4.splat (${value})))`;

/** `exp` of the v128 local `src` into local `dst`; uses locals $k $r $p and the constants. */
function exp(dst: string, src: string): string {
  // round(x / ln 2) by adding 1.5 * 2^23: the sum's low mantissa bits then hold k itself, so
  // 2^k's exponent bits are (those bits + 127) << 23, with no float-to-int conversion.
  return `
    (local.set $r (f32x4.pmin (f32x4.pmax (local.get $${src}) (local.get $lo)) (local.get $hi)))
    (local.set $a (f32x4.add (f32x4.mul (local.get $r) (local.get $log2e)) (local.get $magic)))
    (local.set $k (f32x4.sub (local.get $a) (local.get $magic)))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $r)
      (f32x4.mul (local.get $k) (local.get $ln2hi))) (f32x4.mul (local.get $k) (local.get $ln2lo))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $e6) (local.get $r)) (local.get $e5)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $e4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $e3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $e2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (local.get $half)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r))
      (local.get $r)) (local.get $r)) (local.get $one)))
    (local.set $${dst} (f32x4.mul (local.get $p) (i32x4.shl
      (i32x4.add (local.get $a) (i32x4.splat (i32.const 127))) (i32.const 23))))`;
}

/** The constants `exp` reads, as locals set once before a loop. */
const EXP_LOCALS =
  `(local $a v128) (local $magic v128) (local $k v128) (local $r v128) (local $p v128) (local $lo v128)
  (local $hi v128) (local $log2e v128) (local $ln2hi v128) (local $ln2lo v128) (local $e2 v128)
  (local $e3 v128) (local $e4 v128) (local $e5 v128) (local $e6 v128) (local $half v128)`;
const EXP_CONSTANTS = [
  splat("lo", "f32.const -87"),
  splat("hi", "f32.const 88"),
  splat("log2e", "f32.const 1.44269504"),
  splat("magic", "f32.const 12582912"),
  // ln 2 = 355/512 + (ln 2 - 355/512): the high part has 9 significant bits, so k times it is
  // exact in float32 for any |k| <= 128.
  splat("ln2hi", "f32.const 0.693359375"),
  splat("ln2lo", "f32.const -2.12194440e-4"),
  // e^r = 1 + r + r² (1/2 + r/6 + r²/24 + r³/120 + r⁴/720 + r⁵/5040): the Taylor series to r⁷,
  // whose remainder on |r| <= ln(2)/2 is below 6e-9, under float32 rounding.
  splat("e2", "f32.const 0.16666667"),
  splat("e3", "f32.const 0.041666668"),
  splat("e4", "f32.const 0.008333334"),
  splat("e5", "f32.const 0.0013888889"),
  splat("e6", "f32.const 0.0001984127"),
  splat("half", "f32.const 0.5"),
].join("\n");

/** A loop over `$i` from 0 to the largest multiple of 4 below `$n`, stepping 16 bytes. */
function loop(body: string): string {
  return `
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      ${body}
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $next)))`;
}

/** The 4 floats at byte offset `base + index`, where both are locals. */
const load = (base: string, index = "i") =>
  `(v128.load align=4 (i32.add (local.get $${base}) (local.get $${index})))`;
const store = (base: string, value: string, index = "i") =>
  `(v128.store align=4 (i32.add (local.get $${base}) (local.get $${index})) ${value})`;

/** A loop over `$row` from 0 to `$rows`; the body advances the row pointers. */
function rows(body: string): string {
  return `
    (block $rowsDone (loop $nextRow
      (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
      ${body}
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $nextRow)))`;
}

/** A loop over the byte offset `$j` of a row's columns, 16 bytes (4 floats) at a time. */
function columns(body: string): string {
  return `
      (local.set $j (i32.const 0))
      (block $columnsDone (loop $nextColumn
        (br_if $columnsDone (i32.ge_u (local.get $j) (local.get $width)))
        ${body}
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $nextColumn)))`;
}

const hsum = (v: string) =>
  `(f32.add (f32.add (f32x4.extract_lane 0 (local.get $${v})) (f32x4.extract_lane 1 (local.get $${v})))
    (f32.add (f32x4.extract_lane 2 (local.get $${v})) (f32x4.extract_lane 3 (local.get $${v}))))`;
/** Moves each matrix pointer to the next row. */
const advance = (...bases: string[]) =>
  bases.map((b) => `(local.set $${b} (i32.add (local.get $${b}) (local.get $width)))`).join("\n");

const WAT = `(module
  (import "env" "memory" (memory 1))

  (func (export "gelu") (param $x i32) (param $y i32) (param $s i32) (param $n i32)
      (param $c1 f32) (param $c3 f32)
    (local $i i32) (local $end i32) (local $v v128) (local $t v128) (local $e v128)
    (local $one v128) (local $C1 v128) (local $C3 v128) ${EXP_LOCALS}
    ${EXP_CONSTANTS}
    ${splat("one", "f32.const 1")}
    ${splat("C1", "local.get $c1")}
    ${splat("C3", "local.get $c3")}
    ${
  loop(`
      (local.set $v ${load("x")})
      (local.set $t (f32x4.neg (f32x4.mul (local.get $v) (f32x4.add (local.get $C1)
        (f32x4.mul (local.get $C3) (f32x4.mul (local.get $v) (local.get $v)))))))
      ${exp("e", "t")}
      (local.set $t (f32x4.div (local.get $one) (f32x4.add (local.get $one) (local.get $e))))
      ${store("s", "(local.get $t)")}
      ${store("y", "(f32x4.mul (local.get $v) (local.get $t))")}`)
}
  )

  (func (export "geluGrad") (param $dy i32) (param $x i32) (param $s i32) (param $dx i32)
      (param $n i32) (param $c3 f32) (param $c1 f32)
    (local $i i32) (local $end i32) (local $v v128) (local $sv v128)
    (local $one v128) (local $C1 v128) (local $C3 v128)
    ${splat("one", "f32.const 1")}
    ${splat("C1", "local.get $c1")}
    ${splat("C3", "local.get $c3")}
    ${
  loop(`
      (local.set $v ${load("x")})
      (local.set $sv ${load("s")})
      ${
    store(
      "dx",
      `(f32x4.mul ${load("dy")} (f32x4.add (local.get $sv) (f32x4.mul (f32x4.mul
        (f32x4.mul (local.get $v) (local.get $sv)) (f32x4.sub (local.get $one) (local.get $sv)))
        (f32x4.add (f32x4.mul (local.get $C3) (f32x4.mul (local.get $v) (local.get $v)))
          (local.get $C1)))))`,
    )
  }`)
}
  )

  (func (export "layerNorm") (param $x i32) (param $g i32) (param $b i32) (param $y i32)
      (param $xh i32) (param $r i32) (param $rows i32) (param $C i32) (param $eps f32)
    (local $row i32) (local $j i32) (local $width i32) (local $shift v128) (local $sum v128)
    (local $sq v128) (local $v v128) (local $ms f32) (local $rstd f32) (local $mean v128)
    (local $rs v128)
    (local.set $width (i32.shl (local.get $C) (i32.const 2)))
    ${
  rows(`
      (local.set $shift (v128.load32_splat (local.get $x)))
      (local.set $sum (f32x4.splat (f32.const 0)))
      (local.set $sq (f32x4.splat (f32.const 0)))
      ${
    columns(`
        (local.set $v (f32x4.sub ${load("x", "j")} (local.get $shift)))
        (local.set $sum (f32x4.add (local.get $sum) (local.get $v)))
        (local.set $sq (f32x4.add (local.get $sq) (f32x4.mul (local.get $v) (local.get $v))))`)
  }
      (local.set $ms (f32.div ${hsum("sum")} (f32.convert_i32_u (local.get $C))))
      (local.set $rstd (f32.div (f32.const 1) (f32.sqrt (f32.add (local.get $eps) (f32.max
        (f32.sub (f32.div ${hsum("sq")} (f32.convert_i32_u (local.get $C)))
          (f32.mul (local.get $ms) (local.get $ms))) (f32.const 0))))))
      (f32.store (local.get $r) (local.get $rstd))
      (local.set $mean (f32x4.add (f32x4.splat (local.get $ms)) (local.get $shift)))
      (local.set $rs (f32x4.splat (local.get $rstd)))
      ${
    columns(`
        (local.set $v (f32x4.mul (f32x4.sub ${load("x", "j")} (local.get $mean)) (local.get $rs)))
        ${store("xh", "(local.get $v)", "j")}
        ${
      store("y", `(f32x4.add (f32x4.mul (local.get $v) ${load("g", "j")}) ${load("b", "j")})`, "j")
    }`)
  }
      ${advance("x", "y", "xh")}
      (local.set $r (i32.add (local.get $r) (i32.const 4)))`)
}
  )

  (func (export "layerNormGrad") (param $dy i32) (param $xh i32) (param $r i32) (param $g i32)
      (param $dx i32) (param $dg i32) (param $db i32) (param $rows i32) (param $C i32)
    (local $row i32) (local $j i32) (local $width i32) (local $d v128) (local $h v128)
    (local $dxh v128) (local $sumD v128) (local $sumDX v128) (local $meanD v128)
    (local $meanDX v128) (local $rs v128) (local $n f32)
    (local.set $width (i32.shl (local.get $C) (i32.const 2)))
    (local.set $n (f32.convert_i32_u (local.get $C)))
    ${
  rows(`
      (local.set $sumD (f32x4.splat (f32.const 0)))
      (local.set $sumDX (f32x4.splat (f32.const 0)))
      ${
    columns(`
        (local.set $d ${load("dy", "j")})
        (local.set $h ${load("xh", "j")})
        (local.set $dxh (f32x4.mul (local.get $d) ${load("g", "j")}))
        (local.set $sumD (f32x4.add (local.get $sumD) (local.get $dxh)))
        (local.set $sumDX (f32x4.add (local.get $sumDX) (f32x4.mul (local.get $dxh) (local.get $h))))
        ${
      store("dg", `(f32x4.add ${load("dg", "j")} (f32x4.mul (local.get $d) (local.get $h)))`, "j")
    }
        ${store("db", `(f32x4.add ${load("db", "j")} (local.get $d))`, "j")}`)
  }
      (local.set $meanD (f32x4.splat (f32.div ${hsum("sumD")} (local.get $n))))
      (local.set $meanDX (f32x4.splat (f32.div ${hsum("sumDX")} (local.get $n))))
      (local.set $rs (v128.load32_splat (local.get $r)))
      ${
    columns(`
        ${
      store(
        "dx",
        `(f32x4.mul (f32x4.sub (f32x4.sub (f32x4.mul ${load("dy", "j")} ${load("g", "j")})
          (local.get $meanD)) (f32x4.mul ${load("xh", "j")} (local.get $meanDX))) (local.get $rs))`,
        "j",
      )
    }`)
  }
      ${advance("dy", "xh", "dx")}
      (local.set $r (i32.add (local.get $r) (i32.const 4)))`)
}
  )

  (func (export "adamw") (param $p i32) (param $m i32) (param $v i32) (param $g i32)
      (param $p2 i32) (param $m2 i32) (param $v2 i32) (param $n i32)
      (param $beta1 f32) (param $g1 f32) (param $beta2 f32) (param $g2 f32) (param $decay f32)
      (param $stepSize f32) (param $invRoot f32) (param $eps f32)
    (local $i i32) (local $end i32) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $B1 v128) (local $G1 v128) (local $B2 v128) (local $G2 v128) (local $D v128)
    (local $S v128) (local $R v128) (local $E v128)
    ${splat("B1", "local.get $beta1")}
    ${splat("G1", "local.get $g1")}
    ${splat("B2", "local.get $beta2")}
    ${splat("G2", "local.get $g2")}
    ${splat("D", "local.get $decay")}
    ${splat("S", "local.get $stepSize")}
    ${splat("R", "local.get $invRoot")}
    ${splat("E", "local.get $eps")}
    ${
  loop(`
      (local.set $gv ${load("g")})
      (local.set $mv (f32x4.add (f32x4.mul ${load("m")} (local.get $B1))
        (f32x4.mul (local.get $gv) (local.get $G1))))
      (local.set $vv (f32x4.add (f32x4.mul ${load("v")} (local.get $B2))
        (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $G2))))
      ${store("m2", "(local.get $mv)")}
      ${store("v2", "(local.get $vv)")}
      ${
    store(
      "p2",
      `(f32x4.sub (f32x4.mul ${load("p")} (local.get $D))
        (f32x4.div (f32x4.mul (local.get $mv) (local.get $S))
          (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $R)) (local.get $E))))`,
    )
  }`)
}
  )
)`;

interface Exports {
  gelu(x: number, y: number, s: number, n: number, c1: number, c3: number): void;
  geluGrad(dy: number, x: number, s: number, dx: number, n: number, c3: number, c1: number): void;
  layerNorm(...args: number[]): void;
  layerNormGrad(...args: number[]): void;
  adamw(...args: number[]): void;
}

let compiled: WebAssembly.Module | null = null;

/**
 * Assembles the kernels (once per process) and instantiates them on a backend's heap.
 *
 * @param memory The `WebAssembly.Memory` that holds the tensors (tfjs wasm: `wasm.asm.memory`).
 * @returns The kernels, or null when this runtime has no WebAssembly SIMD.
 */
export async function loadSimdKernels(memory: WebAssembly.Memory): Promise<SimdKernels | null> {
  if (compiled === null) {
    const wabt = await wabtInit();
    const module = wabt.parseWat("adalrs_simd.wat", WAT, { simd: true });
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(module.toBinary({}).buffer);
    } finally {
      module.destroy();
    }
    if (!WebAssembly.validate(bytes)) return null;
    compiled = await WebAssembly.compile(bytes);
  }
  const instance = await WebAssembly.instantiate(compiled, { env: { memory } });
  const k = instance.exports as unknown as Exports;
  return {
    gelu: k.gelu,
    geluGrad: k.geluGrad,
    layerNorm: k.layerNorm,
    layerNormGrad: k.layerNormGrad,
    adamw: (p, m, v, g, p2, m2, v2, n, c) =>
      k.adamw(
        p,
        m,
        v,
        g,
        p2,
        m2,
        v2,
        n,
        c.beta1,
        c.g1,
        c.beta2,
        c.g2,
        c.decay,
        c.stepSize,
        c.invRoot,
        c.eps,
      ),
  };
}
