/**
 * A long external run for timing what must stay fast on one: the browser tests' page loads and
 * `bench:timing`'s curves read.
 *
 * @module
 */

import { createApp } from "../../src/api/mod.ts";
import type { EventStore } from "../../src/events/mod.ts";

/**
 * An external run with a slowly falling, noisy loss, posted one window of 50 at a time through
 * the API: long runs for checking that pages stay fast.
 *
 * @param store the store to create it in
 * @param steps how many losses
 * @returns the run's id
 */
export async function longExternalRun(store: EventStore, steps: number): Promise<string> {
  const app = createApp(store);
  const post = async (path: string, body: unknown) => {
    const res = await app.request(path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const run = await post("/v1/runs", {
    name: `long (${steps} steps)`,
    mode: "external",
    training: { steps },
    optimizer: { lr: 1e-3 },
    schedule: { kind: "constant" },
    adalrs: { window: 50, searchStart: 0, searchEnd: 0.4 },
  });
  for (let from = 0; from < steps; from += 50) {
    const losses = Array.from(
      { length: Math.min(50, steps - from) },
      (_, i) => 4 / Math.sqrt(1 + (from + i) / 100) + 0.02 * Math.sin(7 * (from + i)),
    );
    await post(`/v1/runs/${run.id}/losses`, { fromStep: from, losses });
  }
  return run.id;
}
