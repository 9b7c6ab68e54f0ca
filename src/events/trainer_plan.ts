/**
 * What an external trainer follows until the controller's next decision: the LR of every step
 * up to the end of the current window. Both the losses answer and the create answer of an
 * external run carry it, so a trainer can run its first window whole.
 *
 * @module
 */

import {
  type ControllerState,
  currentLr,
  dataStep,
  heldSnapshots,
  windowEnd,
} from "../adalrs/mod.ts";

/** The LRs ahead of a trainer. */
export interface TrainerPlan {
  /** The step the trainer runs next. */
  nextStep: number;
  /** Learning rate for `nextStep`, and the AdaLRS multiplier behind it. */
  lr: number;
  multiplier: number;
  /** Last step of the current window: the next decision comes after it. */
  windowEndsAt: number;
  /** LRs for each step from `nextStep` to `windowEndsAt` (none past the run's last step). */
  lrs: number[];
  /**
   * Which step's batch `nextStep` trains on: `nextStep` itself, except after a paired trial's
   * `branch`, when the same batches run again.
   */
  dataStep: number;
  /** Snapshots the trainer must still hold; it may free every other one. */
  keep: string[];
}

/**
 * The plan a controller state implies.
 *
 * @param state the controller state after the latest losses
 * @returns the next step, its LR and multiplier, and the LRs up to the window's end
 */
export function trainerPlan(state: ControllerState): TrainerPlan {
  const end = windowEnd(state);
  const lrs: number[] = [];
  for (let step = state.nextStep; step <= end && step < state.setup.totalSteps; step++) {
    lrs.push(currentLr({ ...state, nextStep: step }));
  }
  return {
    nextStep: state.nextStep,
    lr: currentLr(state),
    multiplier: state.m,
    windowEndsAt: end,
    lrs,
    dataStep: dataStep(state),
    keep: heldSnapshots(state),
  };
}
