/**
 * The synthetic model: a loss landscape whose best learning rate is known, trained by managed
 * runs of `model.kind: "synthetic"` (in workers), by the external trainer of `task synthetic`,
 * and by the controller study's simulators. Pure arithmetic with no I/O and no tfjs, so the run
 * definition can take its defaults without the event layer depending on the training engine.
 *
 * @module
 */

export * from "./landscape.ts";
