/**
 * The names `--backend` accepts, apart from the backends themselves so that the service's
 * front process (main.ts) can check a flag without loading tfjs.
 *
 * @module
 */

/** The backends a trainer can run on, as the `--backend` options accept them. */
export const BACKEND_NAMES = ["wasm", "cpu", "webgpu", "tensorflow"] as const;

/** The backends a trainer can run on. */
export type BackendName = typeof BACKEND_NAMES[number];

/**
 * Checks a `--backend` value.
 *
 * @param name What the user gave.
 * @returns The name, typed.
 * @example
 * ```ts
 * import { parseBackendName } from "./backend_name.ts";
 * parseBackendName("webgpu"); // "webgpu"
 * ```
 */
export function parseBackendName(name: string): BackendName {
  if ((BACKEND_NAMES as readonly string[]).includes(name)) return name as BackendName;
  throw unknownBackend(name);
}

/**
 * The error for a backend name that is not one of {@linkcode BACKEND_NAMES}.
 *
 * @param name The name given.
 * @returns An error naming it and the choices.
 */
export function unknownBackend(name: string): Error {
  return new Error(`Unknown backend ${JSON.stringify(name)}; expected ${BACKEND_NAMES.join(", ")}`);
}
