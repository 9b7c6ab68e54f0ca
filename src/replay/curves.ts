/**
 * The curves of a run, read off its log: training loss per step, validation loss, the LR each
 * step used, the decisions, and the stretches abandoned by rollbacks and resumes. The plot and
 * the dashboard both draw from this.
 *
 * @module
 */

import { baseLr } from "../schedule/mod.ts";
import { type Decision, decodeLoss, type Rule } from "../adalrs/mod.ts";
import {
  controllerSetup,
  evolveRun,
  isAbandoned,
  type RunEvent,
  type RunView,
} from "../events/mod.ts";

/** Plain arrays, ready to draw. */
export interface RunCurves {
  train: { step: number; loss: number }[];
  val: { step: number; loss: number }[];
  lr: { step: number; lr: number }[];
  decisions: { step: number; rule: Rule; decision: Decision }[];
  /** Step ranges whose training was thrown away: rejected trials and work lost to a crash. */
  abandoned: { fromStep: number; toStep: number; why: "rollback" | "resume" }[];
}

/**
 * Extracts the curves from a run's events.
 *
 * @param events the run's log, in seq order
 */
export function runCurves(events: readonly RunEvent[]): RunCurves {
  let view: RunView | null = null;
  for (const event of events) view = evolveRun(view, event);
  const curves: RunCurves = { train: [], val: [], lr: [], decisions: [], abandoned: [] };
  if (!view) return curves;
  const { schedule, peakLr, totalSteps } = controllerSetup(view.definition);
  let m = 1;
  for (const event of events) {
    const lost = isAbandoned(view, event.seq);
    switch (event.type) {
      case "LossWindowRecorded":
        event.data.losses.forEach((loss, i) => {
          const step = event.data.fromStep + i;
          if (!lost) curves.train.push({ step, loss: decodeLoss(loss) });
          if (!lost) curves.lr.push({ step, lr: m * baseLr(schedule, peakLr, step, totalSteps) });
        });
        break;
      case "LrDecided": {
        const { decision } = event.data;
        if (!lost) m = decision.mAfter;
        if (!lost) {
          curves.decisions.push({ step: decision.window.toStep, rule: decision.rule, decision });
        }
        if (!lost && decision.paired) {
          for (const range of discardedBranch(decision)) {
            curves.abandoned.push({ ...range, why: "rollback" });
          }
        } else if (
          !lost && decision.action.kind === "restore" && decision.rule !== "trial-branch"
        ) {
          // Everything since the snapshot is thrown away: the trial window, and with the
          // `bracket` reference the return window after it too. (A cooled trial's
          // `trial-branch` restores only to run its control branch; its verdict discards.)
          curves.abandoned.push({
            fromStep: decision.trial?.fromStep ?? decision.window.fromStep,
            toStep: decision.window.toStep,
            why: "rollback",
          });
        }
        break;
      }
      case "RunLeased":
        if (event.data.resume) m = event.data.resume.controller.m;
        break;
      case "EvalRecorded":
        if (!lost) curves.val.push({ step: event.data.step, loss: decodeLoss(event.data.valLoss) });
        break;
      case "RunCompleted":
        if (event.data.valLoss !== null) {
          curves.val.push({ step: event.data.step, loss: decodeLoss(event.data.valLoss) });
        }
        break;
    }
  }
  for (const [from, to] of view.abandoned) {
    const lostSteps = events.filter((e) =>
      e.seq >= from && e.seq <= to && e.type === "LossWindowRecorded"
    );
    const first = lostSteps[0];
    const last = lostSteps.at(-1);
    if (first?.type === "LossWindowRecorded" && last?.type === "LossWindowRecorded") {
      curves.abandoned.push({
        fromStep: first.data.fromStep,
        toStep: last.data.fromStep + last.data.losses.length - 1,
        why: "resume",
      });
    }
  }
  return curves;
}

/**
 * The compute steps a paired verdict discards: the control branch when the trial branch is
 * restored, else the trial branch before it. Cooled (`paired.cooldown`), both cooldowns go too: the
 * trial branch's sits just before the control branch, the control branch's ends the verdict.
 */
function discardedBranch(decision: Decision): { fromStep: number; toStep: number }[] {
  const { trialFrom, controlFrom, cooldown = 0 } = decision.paired!;
  const toStep = decision.window.toStep;
  if (decision.rule === "trial-accept") {
    return [{ fromStep: controlFrom - cooldown, toStep }];
  }
  const trialBranch = { fromStep: trialFrom, toStep: controlFrom - 1 };
  return cooldown === 0
    ? [trialBranch]
    : [trialBranch, { fromStep: toStep - cooldown + 1, toStep }];
}

/**
 * Keeps at most `max` points by averaging consecutive buckets; pages stay fast on long runs.
 *
 * @param points points in step order
 * @param max the most points to return
 */
export function downsample<T extends { step: number }>(
  points: T[],
  max: number,
  value: (p: T) => number,
): { step: number; value: number }[] {
  const bucket = Math.max(1, Math.ceil(points.length / max));
  const out: { step: number; value: number }[] = [];
  for (let i = 0; i < points.length; i += bucket) {
    const slice = points.slice(i, i + bucket).map(value).filter(Number.isFinite);
    if (slice.length) {
      out.push({
        step: points[i].step,
        value: slice.reduce((a, b) => a + b) / slice.length,
      });
    }
  }
  return out;
}
