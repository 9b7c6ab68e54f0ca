/**
 * Small counter-based random numbers: a value is a pure function of its key, so the batch of
 * any step, a model's initial weights or the synthetic landscape's noise can be recomputed
 * without saving generator state. Every seeded number in adalrs comes from here; recorded runs
 * depend on each function's exact output, so none of them may change.
 *
 * @module
 */

/**
 * Mixes 32-bit words into one well-scrambled 32-bit hash (murmur3's finaliser applied to a
 * running combination, enough to decorrelate neighbouring steps and seeds).
 */
export function hash32(...words: number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) {
    h = Math.imul(h ^ (word >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Splits a JS integer (up to 2^53) into its low and high 32-bit words, for hashing. */
export function seedWords(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`Seed must be a safe integer, got ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  return [lo, hi];
}

/** mulberry32: a tiny 32-bit PRNG; returns a function yielding floats in [0, 1). */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * A standard normal deviate that depends only on (seed, step): the same step always sees the
 * same noise, whatever happened before it (Box-Muller over {@linkcode pairHash}).
 *
 * @param seed the run's seed
 * @param step the compute step
 */
export function gaussian(seed: number, step: number): number {
  const u1 = (pairHash(seed, 2 * step) + 0.5) / 2 ** 32;
  const u2 = (pairHash(seed, 2 * step + 1) + 0.5) / 2 ** 32;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * 32-bit integer hash of two integers (a murmur3-style finaliser). Not {@linkcode hash32} of the
 * two: the synthetic landscape's noise was recorded with this one.
 */
export function pairHash(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be59b, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
