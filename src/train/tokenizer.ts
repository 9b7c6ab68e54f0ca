/**
 * Byte-level tokenizer: a token is one byte of the UTF-8 encoding, so the vocabulary is the
 * 256 byte values and any text round-trips without an unknown token.
 *
 * @module
 */

/** Number of distinct tokens: one per byte value. */
export const BYTE_VOCAB_SIZE = 256;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes text as its UTF-8 bytes.
 *
 * @param text Any string.
 * @returns One token (0..255) per UTF-8 byte.
 * @example
 * ```ts
 * import { encode } from "./tokenizer.ts";
 * if (encode("hé").length !== 3) throw new Error("é is two bytes");
 * ```
 */
export function encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes tokens back to text; byte sequences that are not valid UTF-8 become U+FFFD, so a
 * model's sampled output always decodes.
 *
 * @param tokens Token ids, each in 0..255.
 * @returns The decoded string.
 * @example
 * ```ts
 * import { decode, encode } from "./tokenizer.ts";
 * if (decode(encode("whale")) !== "whale") throw new Error("round trip");
 * ```
 */
export function decode(tokens: ArrayLike<number>): string {
  const bytes = tokens instanceof Uint8Array ? tokens : Uint8Array.from(tokens, checkByte);
  return decoder.decode(bytes);
}

function checkByte(token: number): number {
  if (!Number.isInteger(token) || token < 0 || token >= BYTE_VOCAB_SIZE) {
    throw new RangeError(`Token must be an integer in 0..255, got ${token}`);
  }
  return token;
}
