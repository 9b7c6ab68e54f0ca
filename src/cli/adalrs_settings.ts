/**
 * Controller settings given on a command line as `key=value` (what-if, import, experiment).
 *
 * @module
 */

import { ADALRS_DEFAULTS, type AdalrsConfig } from "../adalrs/mod.ts";
import { AdalrsOverridesSchema } from "../events/mod.ts";
import { parseSettings } from "./flags.ts";

/**
 * Parses `key=value` controller settings; an unknown key or a refused value is a `UsageError`
 * naming it.
 *
 * @param pairs the arguments, e.g. `["compare=cooldown", "window=40"]`
 * @returns the settings, validated as a run definition's `adalrs` fields
 *
 * @example
 * ```ts
 * import { parseAdalrsSettings } from "./adalrs_settings.ts";
 * const settings = parseAdalrsSettings(["compare=cooldown"]);
 * if (settings.compare !== "cooldown") throw new Error("parsed as the setting's value");
 * ```
 */
export function parseAdalrsSettings(pairs: readonly string[]): Partial<AdalrsConfig> {
  return parseSettings(pairs, AdalrsOverridesSchema, Object.keys(ADALRS_DEFAULTS));
}
