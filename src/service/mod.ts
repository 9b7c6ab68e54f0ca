/**
 * Starting the service: the one start-up `main.ts` and the CLIs' embedded mode share, and a
 * CLI's choice between a running service and an embedded one.
 *
 * @module
 */

export * from "./start.ts";
export * from "./embedded.ts";
