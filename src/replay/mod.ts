/**
 * Replay, audit, what-if, and moving logs in and out.
 *
 * @module
 */

export * from "./loss_log.ts";
export * from "./replay.ts";
export * from "./transfer.ts";
export * from "./curves.ts";
export * from "./plot.ts";
export * from "./leads.ts";
