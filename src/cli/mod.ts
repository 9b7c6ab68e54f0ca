/**
 * What every command-line entry point shares: flag parsing with usage text and checked values.
 *
 * @module
 */

export * from "./adalrs_settings.ts";
export * from "./flags.ts";
export * from "./definition_file.ts";
export * from "./paths.ts";
export * from "./progress.ts";
