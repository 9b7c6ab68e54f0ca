/**
 * Small counter-based random numbers: a value is a pure function of its key, so the batch of
 * any step can be recomputed without saving generator state.
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
