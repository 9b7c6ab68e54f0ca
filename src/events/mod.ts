/**
 * Events, their validation, the run view and the event store on Deno KV.
 *
 * @module
 */

export * from "./definition.ts";
export * from "./lease.ts";
export * from "./run_view.ts";
export * from "./store.ts";
export * from "./types.ts";
export * from "./backend.ts";
export * from "./record_losses.ts";
export * from "./kv_retry.ts";
export * from "./trainer_plan.ts";
export * from "./heartbeat.ts";
export * from "./store_file.ts";
