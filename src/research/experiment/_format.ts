/**
 * Number formats of the results tables.
 *
 * @module
 */

/** A number in scientific notation with 3 significant digits: `1.00e-3`. */
export function sci(x: number): string {
  return x.toExponential(2);
}

/** A loss with 4 decimals, or `NaN` / `Infinity`. */
export function loss(x: number): string {
  return Number.isFinite(x) ? x.toFixed(4) : String(x);
}

/** A fraction as a percentage: `0.02` -> `2%`. */
export function pct(x: number): string {
  return `${+(x * 100).toFixed(1)}%`;
}

/** A relative difference as a signed percentage: `+1.5%`, `−0.3%`; `—` when not finite. */
export function signedPct(x: number): string {
  if (!Number.isFinite(x)) return "—";
  return `${x >= 0 ? "+" : "−"}${Math.abs(x * 100).toFixed(1)}%`;
}

/** A count in k / M / G: `614.4k`, `4.3M`. */
export function fmtCount(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Seconds as `42 s`, `12.5 min` or `1.52 h`. */
export function duration(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(2)} h`;
}
