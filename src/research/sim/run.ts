/**
 * Runs a simulated trainer against the AdaLRS reducer in-process: the same loop a worker runs,
 * minus the event store. Trainer states are immutable values, so a snapshot is a reference.
 *
 * @module
 */

import {
  type ControllerSetup,
  currentLr,
  dataStep,
  type Decision,
  encodeLoss,
  foldLosses,
  followAction,
  heldSnapshots,
  initialState,
} from "../../adalrs/mod.ts";

/**
 * A trainer the simulator can drive. Its state must be an immutable value: the runner keeps old
 * states as snapshots and hands them back on a restore.
 */
export interface SimTrainer<S> {
  /** The state before step 0. */
  start(): S;
  /**
   * One compute step at learning rate `lr`, on the batch of data step `step` (its noise): the
   * compute step, except where a paired trial runs the same batches again.
   *
   * @param peakLr the run's current peak LR, `m * optimizer.lr`; a trainer that replays an LR
   *   sweep looks up the sweep run with this peak, others may ignore it
   * @returns the next state and the loss observed at this step, noise included
   */
  step(state: S, step: number, lr: number, peakLr: number): { state: S; loss: number };
  /** The noiseless loss of a state: what an evaluation on infinite data would report. */
  evalLoss(state: S): number;
}

/** What one simulated run produced. */
export interface SimRun {
  decisions: Decision[];
  /** The AdaLRS multiplier at the end of the run. */
  finalM: number;
  /** `finalM * setup.peakLr`: the peak LR the search settled on. */
  finalPeakLr: number;
  /** The noiseless loss after the last step. */
  finalLoss: number;
}

/**
 * Trains `trainer` for `setup.totalSteps` steps, feeding each loss to the reducer and applying
 * every decision (new LR, snapshot, restore) before the next step.
 *
 * @param trainer the simulated model
 * @param setup the controller settings, schedule, peak LR and total steps
 * @returns the decisions and where the run ended
 */
export function simulateRun<S>(trainer: SimTrainer<S>, setup: ControllerSetup): SimRun {
  let controller = initialState(setup);
  let model = trainer.start();
  const snapshots = new Map<string, S>();
  const decisions: Decision[] = [];
  for (let step = 0; step < setup.totalSteps; step++) {
    const lr = currentLr(controller);
    const peakLr = controller.m * setup.peakLr;
    const out = trainer.step(model, dataStep(controller), lr, peakLr);
    model = out.state;
    const folded = foldLosses(controller, [encodeLoss(out.loss)]);
    controller = folded.state;
    const decision = folded.decisions[0];
    if (decision === undefined) continue;
    decisions.push(decision);
    model = followAction(snapshots, model, decision.action, heldSnapshots(controller));
  }
  return {
    decisions,
    finalM: controller.m,
    finalPeakLr: controller.m * setup.peakLr,
    finalLoss: trainer.evalLoss(model),
  };
}
