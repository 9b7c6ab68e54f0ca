/**
 * Simulators for judging the controller offline: the synthetic landscape, a trainer that replays
 * a real LR sweep's dynamics, the in-process run loop, and the reference study built on them.
 *
 * @module
 */

export * from "./benches.ts";
export * from "./run.ts";
export * from "./study.ts";
export * from "./sweep_log.ts";
export * from "./sweep_model.ts";
export * from "./sweep_trainer.ts";
export * from "./synthetic_run.ts";
