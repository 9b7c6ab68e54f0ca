/**
 * How far a paired trial's branch stood ahead of its control branch at every settling window, not
 * only at the one its verdict compared: the evidence behind `earlyAccept`, read from a run's log.
 *
 * @module
 */

import { type Decision, decodeLoss, type Direction, pairedDifference } from "../adalrs/mod.ts";
import type { RunEvent } from "../events/types.ts";

/** The trial branch against the control branch over one settling window, batch for batch. */
export interface SettlingLead {
  /** The settling window (from 1). */
  window: number;
  /** Mean per-batch difference, trial − control (negative: the trial branch is ahead). */
  difference: number;
  /** Its error, on the run's z scale, as a verdict computes it. */
  e: number;
}

/** One paired verdict of a run, with the branches compared at each settling window both ran. */
export interface BranchLeads {
  /** The verdict's decision index, rule and last step. */
  index: number;
  rule: Decision["rule"];
  step: number;
  direction: Direction;
  /** The trial's settling windows; `leads` stops short of them when the verdict came early. */
  settle: number;
  /** The multiplier the trial branch ran its trial window at, and the verdict's after it. */
  mTrial: number;
  mAfter: number;
  leads: SettlingLead[];
}

/**
 * Every settled paired verdict of a run (cooled ones compare cooldowns, not settling windows),
 * with the trial branch's lead at each settling window that the control branch replayed. The
 * losses are the ones the controller saw: a step recorded again after a resume counts as the
 * later recording.
 *
 * @param events a run's log, `RunCreated` first
 * @returns the verdicts in order; empty for a run without paired trials
 */
export function branchLeads(events: readonly RunEvent[]): BranchLeads[] {
  const created = events[0];
  if (created?.type !== "RunCreated") throw new Error("a run's log starts with RunCreated");
  const z = created.data.definition.adalrs.z;
  const losses: number[] = [];
  const decisions: Decision[] = [];
  for (const event of events) {
    if (event.type === "LossWindowRecorded") {
      event.data.losses.forEach((loss, i) => losses[event.data.fromStep + i] = decodeLoss(loss));
    }
    if (event.type === "LrDecided") decisions[event.data.decision.index] = event.data.decision;
  }
  const verdicts: BranchLeads[] = [];
  for (const decision of decisions) {
    const paired = decision?.paired;
    if (!paired || paired.cooldown !== undefined) continue;
    const k = decision.window.toStep - decision.window.fromStep + 1;
    const settle = (paired.controlFrom - paired.trialFrom) / k - 1;
    // The trial started where the window before its trial window was decided.
    const start = decisions.find((d) => d?.window.toStep === paired.trialFrom - 1);
    const leads: SettlingLead[] = [];
    for (let window = 1; window <= settle; window++) {
      const from = paired.controlFrom + window * k;
      if (from + k - 1 > decision.window.toStep) break;
      const trial = losses.slice(
        paired.trialFrom + window * k,
        paired.trialFrom + (window + 1) * k,
      );
      const { difference, e } = pairedDifference(trial, losses.slice(from, from + k), z);
      leads.push({ window, difference, e });
    }
    verdicts.push({
      index: decision.index,
      rule: decision.rule,
      step: decision.window.toStep,
      direction: start && start.mAfter > start.mBefore ? "up" : "down",
      settle,
      mTrial: start?.mAfter ?? decision.mBefore,
      mAfter: decision.mAfter,
      leads,
    });
  }
  return verdicts;
}
