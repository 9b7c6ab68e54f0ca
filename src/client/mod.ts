/**
 * Talking to an adalrs service from a CLI: a small HTTP client, and a service started embedded
 * (API + worker processes on a local store) when none is running.
 *
 * @module
 */

export * from "./http.ts";
export * from "./service.ts";
