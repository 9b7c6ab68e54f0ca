/**
 * The additive causal mask shared by the reference attention (gpt.ts) and the fused kernel.
 *
 * @module
 */

const masks = new Map<number, Float32Array>();

/**
 * A `[T, T]` mask, row-major: 0 on and below the diagonal, -1e9 above, cached per T.
 *
 * @param T the sequence length
 */
export function causalMaskData(T: number): Float32Array {
  let mask = masks.get(T);
  if (mask === undefined) {
    mask = new Float32Array(T * T);
    for (let i = 0; i < T; i++) mask.fill(-1e9, i * T + i + 1, (i + 1) * T);
    masks.set(T, mask);
  }
  return mask;
}
