/**
 * The few HTTP calls the CLIs make to an adalrs service: create a run, read its view, list runs,
 * read its whole event log. They go through the public API like any user, so their runs are
 * ordinary managed runs: watchable, replayable, auditable.
 *
 * @module
 */

import type { LossValue } from "../adalrs/mod.ts";
import type { LossesResponse, RunDefinition, RunEvent, RunView } from "../events/mod.ts";
import type { RunWriter } from "../replay/mod.ts";

/** A service to talk to: its base URL and the headers every call carries. */
export interface ServiceEndpoint {
  url: string;
  /** Extra headers, e.g. `authorization` when the service has `ADALRS_TOKEN` set. */
  headers?: Record<string, string>;
}

/**
 * Creates a run.
 *
 * @param service where
 * @param definition the run definition (resolved or not)
 * @returns the new run's view
 */
export async function createRun(
  service: ServiceEndpoint,
  definition: RunDefinition,
): Promise<RunView> {
  return await call<RunView>(service, "POST", "/v1/runs", definition);
}

/**
 * One run's view.
 *
 * @param service where
 * @param id the run's id
 */
export async function getRun(service: ServiceEndpoint, id: string): Promise<RunView> {
  return await call<RunView>(service, "GET", `/v1/runs/${id}`);
}

/**
 * The newest runs, newest first.
 *
 * @param service where
 * @param limit how many at most (the API allows 1000)
 */
export async function listRuns(service: ServiceEndpoint, limit = 1000): Promise<RunView[]> {
  return (await call<{ runs: RunView[] }>(service, "GET", `/v1/runs?limit=${limit}`)).runs;
}

/**
 * A run's whole event log, read page by page.
 *
 * @param service where
 * @param id the run's id
 * @returns the events in seq order, abandoned ones included (flagged by the API)
 */
export async function readEvents(service: ServiceEndpoint, id: string): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let after = -1;
  for (;;) {
    const page = await call<{ events: RunEvent[]; next: number | null }>(
      service,
      "GET",
      `/v1/runs/${id}/events?after=${after}&limit=1000`,
    );
    events.push(...page.events);
    if (page.next === null || page.events.length === 0) return events;
    after = page.next;
  }
}

/**
 * A {@linkcode RunWriter} posting to a service: `import` against a running service.
 *
 * @param service where
 * @returns a writer whose runs are ordinary external runs of that service
 */
export function serviceWriter(service: ServiceEndpoint): RunWriter {
  return {
    create: (definition: RunDefinition) => createRun(service, definition),
    async recordLosses(runId: string, fromStep: number, losses: LossValue[]) {
      const path = `/v1/runs/${runId}/losses`;
      const answer = await call<LossesResponse>(service, "POST", path, { fromStep, losses });
      return answer.windowEndsAt;
    },
    view: (runId: string) => getRun(service, runId),
  };
}

/**
 * The authorization header for `ADALRS_TOKEN`, when it is set.
 *
 * @returns headers to pass in {@linkcode ServiceEndpoint.headers}
 */
export function tokenHeaders(): Record<string, string> {
  const token = Deno.env.get("ADALRS_TOKEN");
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function call<T>(
  service: ServiceEndpoint,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...service.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}
