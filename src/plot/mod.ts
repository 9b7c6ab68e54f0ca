/**
 * Standalone SVG charts: lines, dots, markers, segments and shaded ranges on linear or log axes,
 * and charts stacked into one document. Generic: no runs, no events; the run plot of `replay/`
 * and the experiment's plots are drawn with it.
 *
 * @module
 */

export * from "./chart.ts";
export * from "./stack.ts";
