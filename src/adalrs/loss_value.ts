/**
 * Losses as they are stored: JSON has no NaN or Infinity, so non-finite losses travel as strings.
 *
 * @module
 */

/** A loss as stored in events and sent over HTTP. */
export type LossValue = number | "NaN" | "Infinity" | "-Infinity";

/** Turns a number into its stored form. */
export function encodeLoss(x: number): LossValue {
  if (Number.isFinite(x)) return x;
  if (Number.isNaN(x)) return "NaN";
  return x > 0 ? "Infinity" : "-Infinity";
}

/** Turns a stored loss back into a number. */
export function decodeLoss(value: LossValue): number {
  return typeof value === "number" ? value : Number(value);
}
