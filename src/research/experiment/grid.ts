/**
 * The learning-rate grid of a sweep, as integer indices on a log scale: point `k` is
 * `center * spacing^k`. Indices keep grid points exact (no float matching), let a grid grow at
 * either edge, and name the AdaLRS starting points: `fit/9` is two grid steps below the fit when
 * the spacing is 3.
 *
 * Pure functions only: no I/O.
 *
 * @module
 */

/** A log-spaced LR grid. */
export interface LrGrid {
  /** The LR of point 0. */
  center: number;
  /** Ratio between neighbouring points (> 1). */
  spacing: number;
}

/** The outcome of one grid point's fixed-LR run, as far as picking the fit goes. */
export interface GridOutcome {
  index: number;
  /** Final validation loss; NaN or Infinity for a run that diverged or failed. */
  finalValLoss: number;
}

/**
 * The LR of grid point `index`.
 *
 * @param grid the grid
 * @param index the point's index (0 is the center)
 * @returns `center * spacing^index`
 * @example
 * ```ts
 * import { gridLr } from "./grid.ts";
 * const lr = gridLr({ center: 1e-3, spacing: 3 }, 2);
 * if (Math.abs(lr / 9e-3 - 1) > 1e-12) throw new Error("two steps up is 9x");
 * ```
 */
export function gridLr(grid: LrGrid, index: number): number {
  checkGrid(grid);
  return grid.center * grid.spacing ** index;
}

/**
 * The indices of an initial grid of `points` points around the center: for 7, -3..3; for an
 * even count the extra point goes above the center.
 *
 * @param points how many points (>= 1)
 * @returns the indices, ascending
 */
export function initialIndices(points: number): number[] {
  if (!Number.isInteger(points) || points < 1) {
    throw new RangeError(`A grid needs a whole number of points >= 1, got ${points}`);
  }
  const low = -Math.floor((points - 1) / 2);
  return Array.from({ length: points }, (_, i) => low + i);
}

/**
 * The fit: the grid point with the lowest final validation loss. Non-finite losses (diverged or
 * failed runs) never win; on a tie the lower LR wins.
 *
 * @param outcomes the finished grid points
 * @returns the best one, or null when none has a finite loss
 */
export function pickFit(outcomes: readonly GridOutcome[]): GridOutcome | null {
  let best: GridOutcome | null = null;
  for (const o of outcomes) {
    if (!Number.isFinite(o.finalValLoss)) continue;
    if (
      best === null || o.finalValLoss < best.finalValLoss ||
      (o.finalValLoss === best.finalValLoss && o.index < best.index)
    ) {
      best = o;
    }
  }
  return best;
}

/**
 * The grid points still to run so that every point within `margin` steps of the fit exists.
 * With margin >= 1 a fit at the grid's edge always extends it; with margin 2 and spacing 3 the
 * points fit/9, fit/3, fit·3 and fit·9 are all run.
 *
 * @param fitIndex the current fit's index
 * @param done the indices already run (or running)
 * @param margin how many points each side of the fit must exist
 * @returns the missing indices, ascending
 */
export function missingAround(fitIndex: number, done: Iterable<number>, margin: number): number[] {
  const have = new Set(done);
  const missing: number[] = [];
  for (let k = fitIndex - margin; k <= fitIndex + margin; k++) if (!have.has(k)) missing.push(k);
  return missing;
}

/**
 * A point's name relative to the fit: `fit`, `fit/9`, `fit·3`.
 *
 * @param spacing the grid's spacing
 * @param offset grid steps from the fit
 */
export function offsetLabel(spacing: number, offset: number): string {
  if (offset === 0) return "fit";
  const factor = Number((spacing ** Math.abs(offset)).toPrecision(3));
  return offset < 0 ? `fit/${factor}` : `fit·${factor}`;
}

/**
 * A file-name-safe form of {@linkcode offsetLabel}: `fit`, `fit-div9`, `fit-x3`.
 *
 * @param spacing the grid's spacing
 * @param offset grid steps from the fit
 */
export function offsetSlug(spacing: number, offset: number): string {
  if (offset === 0) return "fit";
  const factor = Number((spacing ** Math.abs(offset)).toPrecision(3));
  return `fit-${offset < 0 ? "div" : "x"}${String(factor).replace(".", "p")}`;
}

function checkGrid(grid: LrGrid): void {
  if (!(grid.center > 0) || !(grid.spacing > 1)) {
    throw new RangeError(
      `A grid needs center > 0 and spacing > 1, got center ${grid.center}, spacing ${grid.spacing}`,
    );
  }
}
