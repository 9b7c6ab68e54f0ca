/**
 * An external trainer, over HTTP, whose loss-descent velocity peaks at a known LR: the quickest
 * way to see AdaLRS move a bad LR toward the best one, and to check the protocol end to end.
 *
 *     deno task start &                                  # the service
 *     deno task synthetic --start 0.1                    # begin 10x below the optimum
 *     deno task synthetic --start 10                     # begin 10x above it
 *
 * The trainer keeps its model state locally, follows each `action` (snapshot, restore, branch) and each
 * per-step LR the service returns, and prints where the LR ended relative to the optimum.
 *
 * @module
 */

import { followAction } from "../src/adalrs/mod.ts";
import { parseCommandLine } from "../src/cli/mod.ts";
import type { LossesResponse, RunView } from "../src/events/mod.ts";
import type { ReplayReport } from "../src/replay/mod.ts";
import {
  SYNTHETIC_DEFAULTS,
  syntheticStart,
  type SyntheticState,
  syntheticStep,
} from "../src/synthetic/mod.ts";

/** Options of {@linkcode driveSyntheticRun}. */
export interface SyntheticRunOptions {
  /** Initial LR as a multiple of the optimum. */
  start: number;
  steps: number;
  window: number;
  seed: number;
  schedule: "constant" | "cosine" | "wsd";
  /** Bearer token, when the service has one. */
  token?: string;
}

/** How a synthetic run ended. */
export interface SyntheticRunResult {
  runId: string;
  /** Final multiplied peak LR over the optimum: 1 is perfect. */
  ratio: number;
  multiplier: number;
  decisions: number;
  identical: number;
  different: number;
}

/**
 * Creates an external run, trains the synthetic model against it window by window, then asks
 * for a replay of its log.
 *
 * @param fetcher `fetch`, or an app's `request` in tests
 * @param base the service's URL
 */
export async function driveSyntheticRun(
  fetcher: (url: string, init?: RequestInit) => Response | Promise<Response>,
  base: string,
  opts: SyntheticRunOptions,
  onWindow: (response: LossesResponse) => void = () => {},
): Promise<SyntheticRunResult> {
  const model = { ...SYNTHETIC_DEFAULTS, seed: opts.seed };
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const res = await fetcher(`${base}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${json.error?.message}`);
    return json as T;
  };
  const run = await call<RunView>("/v1/runs", {
    name: `synthetic x${opts.start} seed ${opts.seed}`,
    mode: "external",
    training: { steps: opts.steps, seed: opts.seed },
    optimizer: { lr: model.optimumLr * opts.start },
    schedule: { kind: opts.schedule },
    adalrs: { window: opts.window },
  });

  let state: SyntheticState = syntheticStart(model);
  const snapshots = new Map<string, SyntheticState>();
  let step = 0;
  let data = 0;
  let lrs = [run.lr];
  while (step < opts.steps) {
    const losses: number[] = [];
    for (const lr of lrs) {
      // The batch (here: its noise) follows the data step, which a paired trial sets back.
      const out = syntheticStep(model, state, data + losses.length, lr);
      state = out.state;
      losses.push(out.loss);
    }
    const answer = await call<LossesResponse>(`/v1/runs/${run.id}/losses`, {
      fromStep: step,
      losses,
      idempotencyKey: `${run.id}-${step}`,
    });
    state = followAction(snapshots, state, answer.action, answer.keep);
    onWindow(answer);
    step = answer.nextStep;
    data = answer.dataStep;
    lrs = answer.lrs;
  }
  const replay = await call<ReplayReport>(`/v1/runs/${run.id}/replay`, {});
  return {
    runId: run.id,
    ratio: replay.final.multiplier * opts.start,
    multiplier: replay.final.multiplier,
    decisions: replay.decisions.length,
    identical: replay.identical,
    different: replay.different,
  };
}

if (import.meta.main) {
  const { values } = parseCommandLine({
    usage: "deno task synthetic [--start 0.1] [--steps 3000] [--url http://127.0.0.1:8000]",
    about: "An external trainer over HTTP whose best LR is known: starts at --start times it, " +
      "follows the service's LRs and actions, and prints where the LR ended (exit 1 if not " +
      "within 3x of the optimum or if replay differs).",
    flags: {
      url: { kind: "string", default: "http://127.0.0.1:8000", help: "the service" },
      start: { kind: "number", above: 0, default: 0.1, help: "starting LR / optimum LR" },
      steps: { kind: "number", integer: true, min: 1, default: 3000, help: "training steps" },
      window: { kind: "number", integer: true, min: 2, default: 50, help: "losses per window" },
      seed: { kind: "number", integer: true, min: 0, default: 1, help: "noise seed" },
      schedule: {
        kind: "string",
        choices: ["constant", "cosine", "wsd"],
        default: "constant",
        help: "base LR schedule",
      },
    },
  });
  const opts: SyntheticRunOptions = {
    start: values.start,
    steps: values.steps,
    window: values.window,
    seed: values.seed,
    schedule: values.schedule as SyntheticRunOptions["schedule"],
    token: Deno.env.get("ADALRS_TOKEN"),
  };
  const result = await driveSyntheticRun(fetch, values.url, opts, (answer) => {
    if (answer.decision && !["observe", "outside-search"].includes(answer.decision.rule)) {
      const d = answer.decision;
      console.log(
        `step ${String(d.window.toStep).padStart(5)}  ${d.rule.padEnd(18)} m ${
          d.mBefore.toPrecision(3)
        } → ` +
          `${d.mAfter.toPrecision(3)}  lr ${answer.lr.toExponential(2)}  ${answer.action.kind}`,
      );
    }
  });
  const within = result.ratio >= 1 / 3 && result.ratio <= 3;
  console.log(
    `run ${result.runId}: started at ${opts.start}x the optimum, ended at ${
      result.ratio.toPrecision(3)
    }x ` +
      `(${
        within ? "within" : "NOT within"
      } a factor of 3); replay: ${result.identical}/${result.decisions} ` +
      `decisions identical`,
  );
  Deno.exitCode = within && result.different === 0 ? 0 : 1;
}
