/**
 * LR sweeps and the AdaLRS-against-a-sweep experiment: the grid, running batches of managed runs
 * through a service, the results table and the plots.
 *
 * @module
 */

export * from "./files.ts";
export * from "./grid.ts";
export * from "./plots.ts";
export * from "./profiles.ts";
export * from "./progress.ts";
export * from "./render.ts";
export * from "./report.ts";
export * from "./runs.ts";
export * from "./setup.ts";
export * from "./sweep.ts";
export * from "./seeds.ts";
