/**
 * The names of the training backends, apart from the backends themselves so that the service and
 * the command lines can check a `--backend` flag without loading tfjs.
 *
 * @module
 */

/** The backends a trainer can run on. */
export const BACKENDS = ["wasm", "cpu", "tensorflow"] as const;

/** One of {@linkcode BACKENDS}. */
export type BackendName = typeof BACKENDS[number];
