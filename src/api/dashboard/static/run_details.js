// @ts-check
/// <reference lib="dom" />
/**
 * The run page's definition panel: created time and duration, tags, the whole run definition
 * (copyable as JSON), and downloads of the curves and decisions as CSV and JSON.
 *
 * @module
 */

import { api, byId, el, isTerminal } from "./common.js";

/** Most points per curve in a download: every step of runs up to this long. */
const DOWNLOAD_POINTS = 20_000;

/**
 * A duration in words: `2 min 5 s`, `3 h 12 min`.
 *
 * @param {number} ms
 * @returns {string}
 */
export function duration(ms) {
  if (!(ms >= 0)) return "–";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * A run's duration: created to last event when it has ended, to now while it runs.
 *
 * @param {{ createdAt: string, updatedAt: string, status: string }} view
 */
export function runDuration(view) {
  const end = isTerminal(view.status) ? Date.parse(view.updatedAt) : Date.now();
  return duration(end - Date.parse(view.createdAt));
}

/**
 * Fills the panel and wires its buttons.
 *
 * @param {string} runId
 * @returns {{ update(view: any): void }}
 */
export function runDetails(runId) {
  const path = `/v1/runs/${encodeURIComponent(runId)}`;
  /** @type {any} */
  let view = null;

  byId("copy-definition", HTMLButtonElement).addEventListener("click", async () => {
    const status = byId("copy-status", HTMLElement);
    try {
      await navigator.clipboard.writeText(JSON.stringify(view.definition, null, 2));
      status.textContent = "Copied.";
    } catch {
      // Clipboard access needs a secure context or permission: select the text instead.
      getSelection()?.selectAllChildren(byId("definition-json", HTMLElement));
      status.textContent = "Selected: press Ctrl-C to copy.";
    }
  });

  /** @type {[string, () => Promise<[string, string]>][]} */
  const downloads = [
    ["dl-curves-csv", async () => [curvesCsv(await curves()), "text/csv"]],
    ["dl-curves-json", async () => [JSON.stringify(await curves(), null, 1), "application/json"]],
    ["dl-decisions-csv", async () => [decisionsCsv(await decisions()), "text/csv"]],
    [
      "dl-decisions-json",
      async () => [JSON.stringify(await decisions(), null, 1), "application/json"],
    ],
  ];
  for (const [id, make] of downloads) {
    const link = byId(id, HTMLAnchorElement);
    const ext = id.endsWith("csv") ? "csv" : "json";
    const what = id.includes("curves") ? "curves" : "decisions";
    link.download = `${runId}-${what}.${ext}`;
    link.href = "#";
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const [text, type] = await make();
      const a = el("a", { href: URL.createObjectURL(new Blob([text], { type })) });
      a.download = link.download;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    });
  }

  const curves = () => api(`${path}/curves?max=${DOWNLOAD_POINTS}`);
  const decisions = async () => (await api(`${path}/decisions`)).decisions;

  return {
    update(next) {
      view = next;
      const times = [
        ["Created", new Date(view.createdAt).toLocaleString()],
        ["Duration", runDuration(view)],
        ["Steps", String(view.definition.training.steps)],
        ["Peak LR", String(view.definition.optimizer.lr)],
        ["Schedule", view.definition.schedule.kind],
        ["Model", view.definition.model?.kind ?? "external trainer"],
      ];
      byId("run-times", HTMLElement).replaceChildren(
        ...times.flatMap((
          [k, v],
        ) => [el("dt", { text: k }), el("dd", { "data-field": k, text: v })]),
      );
      const tags = Object.entries(view.definition.tags ?? {});
      byId("run-tags", HTMLElement).replaceChildren(
        ...(tags.length === 0 ? [el("span", { class: "muted", text: "No tags." })] : []),
        ...tags.map(([k, v]) => el("span", { class: "tag", text: `${k}: ${v}` })),
      );
      const json = JSON.stringify(view.definition, null, 2);
      const pre = byId("definition-json", HTMLElement);
      if (pre.textContent !== json) pre.textContent = json;
    },
  };
}

/**
 * Curves as one CSV row per step: training loss, validation loss and LR where the log has them.
 *
 * @param {any} body the body of `GET /v1/runs/{id}/curves`
 */
export function curvesCsv(body) {
  /** @type {Map<number, (number | string)[]>} */
  const rows = new Map();
  /** @type {[string, number][]} */
  const columns = [["train", 0], ["val", 1], ["lr", 2]];
  for (const [name, col] of columns) {
    body[name].step.forEach((/** @type {number} */ step, /** @type {number} */ i) => {
      const row = rows.get(step) ?? ["", "", ""];
      row[col] = body[name].value[i];
      rows.set(step, row);
    });
  }
  const lines = [...rows].sort((a, b) => a[0] - b[0]).map(([s, r]) => [s, ...r].join(","));
  return ["step,train_loss,val_loss,lr", ...lines].join("\n") + "\n";
}

/**
 * Decisions as CSV: one row each, its window, rule, evidence and outcome.
 *
 * @param {any[]} decisions from `GET /v1/runs/{id}/decisions`
 */
export function decisionsCsv(decisions) {
  const header = "index,seq,from_step,to_step,rule,v,e,reference_v,reference_e,alpha,beta,n," +
    "m_before,m_after,next_step,lr,action,abandoned";
  const cell = (/** @type {unknown} */ x) => (x === undefined || x === null ? "" : String(x));
  const rows = decisions.map((d) =>
    [
      d.index,
      d.seq,
      d.window.fromStep,
      d.window.toStep,
      d.rule,
      d.window.stats?.v,
      d.window.stats?.e,
      d.reference?.v,
      d.reference?.e,
      d.alpha,
      d.beta,
      d.n,
      d.mBefore,
      d.mAfter,
      d.nextStep,
      d.lr,
      d.action.kind,
      d.abandoned ? "true" : "false",
    ].map(cell).join(",")
  );
  return [header, ...rows].join("\n") + "\n";
}
