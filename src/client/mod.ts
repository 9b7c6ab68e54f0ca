/**
 * The HTTP client the CLIs use to talk to an adalrs service: create a run, read its view and its
 * event log, list runs, write an imported run.
 *
 * @module
 */

export * from "./http.ts";
