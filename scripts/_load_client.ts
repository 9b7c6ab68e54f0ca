/**
 * One external-trainer process for the load script and the fault tests: trains synthetic models
 * against existing external runs, posting one window at a time, and survives a service that
 * dies, restarts, or is cut off mid-request.
 *
 *     deno run -A scripts/_load_client.ts --url http://127.0.0.1:8123 --runs r1,r2 \
 *       [--abort 0.1] [--seed 1] [--deadline 120000]
 *
 * Every window is posted with the idempotency key `<run>:<fromStep>`; a failed attempt (refused
 * connection, reset, 5xx, or our own abort mid-flight) is retried with the same key until it
 * gets an answer. Each accepted window is printed as one JSON line, `{"ack": key, ...}`, so that
 * the caller can check that every answer it got is in the log exactly once. The last line is a
 * summary with the latency of every accepted window.
 *
 * @module
 */

import { followAction } from "../src/adalrs/mod.ts";
import { parseCommandLine } from "../src/cli/mod.ts";
import type { LossesResponse, RunView } from "../src/events/mod.ts";
import { mulberry32 } from "../src/random/mod.ts";
import {
  SYNTHETIC_DEFAULTS,
  syntheticStart,
  type SyntheticState,
  syntheticStep,
} from "../src/synthetic/mod.ts";

/** What one client process reports when it is done. */
export interface ClientSummary {
  summary: true;
  runs: number;
  windows: number;
  /** Attempts that failed and were retried: aborts, refused connections, 5xx. */
  retries: number;
  aborts: number;
  /** Milliseconds from a window's first attempt to its answer, one per window. */
  latencies: number[];
  failed: string[];
  /** Wall time (epoch ms) of the first post and of the last answer: the busy span, start-up aside. */
  startedAt: number;
  endedAt: number;
}

/** One external run followed by this client: the model, its snapshots, and where it stands. */
interface Trainee {
  id: string;
  steps: number;
  step: number;
  /** The data step of `step`: which batch (here, noise) it draws. */
  data: number;
  lrs: number[];
  state: SyntheticState;
  snapshots: Map<string, SyntheticState>;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine({
    usage: "deno run -A scripts/_load_client.ts --runs ID,ID [--abort 0.1] [--seed 1]",
    about: "One trainer process of `deno task load`: drives the given external runs.",
    flags: {
      url: { kind: "string", default: "http://127.0.0.1:8000", help: "the service" },
      runs: { kind: "string", default: "", help: "comma-separated run ids" },
      abort: { kind: "number", min: 0, max: 1, default: 0, help: "share of posts aborted" },
      seed: { kind: "number", integer: true, min: 0, default: 1, help: "random seed" },
      deadline: { kind: "number", min: 0, default: 120000, help: "ms before giving up" },
    },
  });
  const random = mulberry32(values.seed);
  const abortRate = values.abort;
  const deadline = Date.now() + values.deadline;
  const token = Deno.env.get("ADALRS_TOKEN");
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const summary: ClientSummary = {
    summary: true,
    runs: 0,
    windows: 0,
    retries: 0,
    aborts: 0,
    latencies: [],
    failed: [],
    startedAt: 0,
    endedAt: 0,
  };
  const model = { ...SYNTHETIC_DEFAULTS, seed: values.seed };

  /** Fetches until an answer that is not a 5xx; bounded by the deadline. */
  async function request(path: string, init: RequestInit): Promise<Response> {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`deadline passed on ${path}`);
      const abort = new AbortController();
      const cut = random() < abortRate;
      // Abort after 0-4 ms: often while the service is still committing the append.
      const timer = cut ? setTimeout(() => abort.abort(), Math.floor(random() * 5)) : undefined;
      try {
        const res = await fetch(`${values.url}${path}`, { ...init, headers, signal: abort.signal });
        const text = await res.text();
        if (res.status < 500) return new Response(text, { status: res.status });
      } catch {
        if (cut) summary.aborts++;
      } finally {
        clearTimeout(timer);
      }
      summary.retries++;
      // After our own abort, retry at once: the first attempt may still be committing, which is
      // the race idempotency keys must win. After a refused connection or a 5xx, back off.
      if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 20 + random() * 80));
    }
  }

  const trainees: Trainee[] = [];
  for (const id of values.runs.split(",").filter(Boolean)) {
    const res = await request(`/v1/runs/${id}`, { method: "GET" });
    if (!res.ok) throw new Error(`run ${id}: ${res.status} ${await res.text()}`);
    const view: RunView = await res.json();
    const steps = view.definition.training.steps;
    const state = syntheticStart(model);
    trainees.push({ id, steps, step: 0, data: 0, lrs: [view.lr], state, snapshots: new Map() });
  }
  summary.runs = trainees.length;
  summary.startedAt = Date.now();

  // Round robin: one window per run per turn, so that every run is in flight at once.
  for (let active = trainees; active.length > 0; active = active.filter((t) => t.step < t.steps)) {
    for (const t of active) {
      const losses: number[] = [];
      let state = t.state;
      for (const lr of t.lrs) {
        const out = syntheticStep(model, state, t.data + losses.length, lr);
        state = out.state;
        losses.push(out.loss);
      }
      const key = `${t.id}:${t.step}`;
      const started = performance.now();
      const res = await request(`/v1/runs/${t.id}/losses`, {
        method: "POST",
        body: JSON.stringify({ fromStep: t.step, losses, idempotencyKey: key }),
      });
      const json = await res.json();
      if (!res.ok) {
        summary.failed.push(`${key}: ${res.status} ${json.error?.message}`);
        t.step = t.steps;
        continue;
      }
      const answer = json as LossesResponse;
      summary.latencies.push(performance.now() - started);
      summary.windows++;
      console.log(JSON.stringify({ ack: key, run: t.id, fromStep: t.step, next: answer.nextStep }));
      t.state = followAction(t.snapshots, state, answer.action, answer.keep);
      t.step = answer.nextStep;
      t.data = answer.dataStep;
      t.lrs = answer.lrs;
    }
  }
  summary.endedAt = Date.now();
  console.log(JSON.stringify(summary));
  Deno.exitCode = summary.failed.length === 0 ? 0 : 1;
}

if (import.meta.main) await main();
