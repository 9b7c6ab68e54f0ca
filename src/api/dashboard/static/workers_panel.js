// @ts-check
/// <reference lib="dom" />
/**
 * The workers panel of the runs page: each worker that beats into the store, alive or not, the
 * run it trains, how long since it last beat, and what the service's supervisor saw of it.
 *
 * @module
 */

import { api, byId, el } from "./common.js";

/**
 * "3 s ago", or "never" for a worker that has not beaten yet.
 *
 * @param {string} at ISO time
 */
function ago(at) {
  if (!at) return "never";
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(at)) / 1000));
  return `${seconds} s ago`;
}

/** Rebuilds the table from `GET /v1/workers`. */
export async function refreshWorkers() {
  const { workers } = await api("/v1/workers");
  const body = byId("workers-table", HTMLTableElement).tBodies[0];
  body.replaceChildren(
    ...workers.map((/** @type {any} */ w) =>
      el(
        "tr",
        { "data-worker-id": w.id },
        el("td", { text: w.id }),
        el("td", { "data-col": "alive", text: w.alive ? "alive" : "not alive" }),
        el(
          "td",
          { "data-col": "run" },
          w.runId ? el("a", { href: `/runs/${encodeURIComponent(w.runId)}`, text: w.runId }) : "–",
        ),
        el("td", { "data-col": "beat", text: ago(w.beatAt) }),
        el("td", {
          "data-col": "restarts",
          text: w.supervised ? String(w.supervised.restarts) : "–",
        }),
        el("td", { "data-col": "exit", text: w.supervised?.lastExit ?? "–" }),
      )
    ),
  );
  byId("workers-status", HTMLElement).textContent = workers.length
    ? `${workers.filter((/** @type {any} */ w) => w.alive).length} of ${workers.length} alive.`
    : "No worker has reported: runs stay queued until one does.";
}
