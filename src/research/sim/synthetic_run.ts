/**
 * The synthetic trainer of `src/synthetic/` as a simulator, and the acceptance check the
 * HTTP end-to-end tests mirror: a run started 10x off the optimum must end within 3x of it.
 *
 * @module
 */

import {
  ADALRS_DEFAULTS,
  type AdalrsConfig,
  type ControllerSetup,
  type Decision,
} from "../../adalrs/mod.ts";
import { SCHEDULE_DEFAULTS, type ScheduleConfig } from "../../schedule/mod.ts";
import {
  SYNTHETIC_DEFAULTS,
  type SyntheticConfig,
  syntheticStart,
  type SyntheticState,
  syntheticStep,
} from "../../synthetic/mod.ts";
import { type SimTrainer, simulateRun } from "./run.ts";

/**
 * The synthetic landscape as a {@linkcode SimTrainer}.
 *
 * @param config the landscape, noise and seed
 */
export function syntheticTrainer(config: SyntheticConfig): SimTrainer<SyntheticState> {
  return {
    start: () => syntheticStart(config),
    step: (state, step, lr) => syntheticStep(config, state, step, lr),
    evalLoss: (state) => config.floorLoss + state.gap,
  };
}

/** Settings of an acceptance run; defaults in {@linkcode ACCEPTANCE}. */
export interface AcceptanceSettings {
  totalSteps: number;
  schedule: ScheduleConfig;
  /** Controller settings over {@linkcode ADALRS_DEFAULTS}. */
  adalrs: Partial<AdalrsConfig>;
  /** Landscape settings over {@linkcode SYNTHETIC_DEFAULTS} (the seed is set per run). */
  synthetic: Partial<SyntheticConfig>;
}

/**
 * Settings under which runs started 10x below and 10x above the synthetic optimum end within 3x
 * of it, for every seed of the study (see docs/controller.md): the default controller and
 * landscape, a constant schedule, and 3,000 steps.
 */
export const ACCEPTANCE: AcceptanceSettings = {
  totalSteps: 3000,
  schedule: { ...SCHEDULE_DEFAULTS, kind: "constant", warmupSteps: 0 },
  adalrs: {},
  synthetic: {},
};

/** What {@linkcode runSynthetic} reports. */
export interface SyntheticRun {
  /** Final `m * peak / optimumLr`. */
  ratio: number;
  /** Final noiseless loss. */
  finalLoss: number;
  decisions: Decision[];
  /** The setup the run used, to post the same run over HTTP. */
  setup: ControllerSetup;
  synthetic: SyntheticConfig;
}

/**
 * Runs the synthetic trainer in-process against the reducer, starting at `startFactor` times
 * the optimum.
 *
 * @param startFactor initial peak LR over the landscape's optimum
 * @param seed the noise seed
 * @param settings overrides of {@linkcode ACCEPTANCE}
 *
 * @example
 * ```ts
 * import { runSynthetic } from "./synthetic_run.ts";
 * const { ratio } = runSynthetic(0.1, 1);
 * if (!(ratio > 1 / 3 && ratio < 3)) throw new Error(`ended at ${ratio}x the optimum`);
 * ```
 */
export function runSynthetic(
  startFactor: number,
  seed: number,
  settings: Partial<AcceptanceSettings> = {},
): SyntheticRun {
  const s = { ...ACCEPTANCE, ...settings };
  const synthetic = { ...SYNTHETIC_DEFAULTS, ...s.synthetic, seed };
  const setup: ControllerSetup = {
    adalrs: { ...ADALRS_DEFAULTS, ...s.adalrs },
    schedule: s.schedule,
    peakLr: synthetic.optimumLr * startFactor,
    totalSteps: s.totalSteps,
  };
  const run = simulateRun(syntheticTrainer(synthetic), setup);
  return {
    ratio: run.finalPeakLr / synthetic.optimumLr,
    finalLoss: run.finalLoss,
    decisions: run.decisions,
    setup,
    synthetic,
  };
}
