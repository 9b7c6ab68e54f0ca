// @ts-check
/// <reference lib="dom" />
/**
 * The runs page: every run, kept live by polling `/v1/runs`; create a run from an example or
 * pasted JSON; cancel a run; pick runs to compare; see the workers.
 *
 * @module
 */

import { api, byId, el, every, initTokenField, isTerminal, num, showError } from "./common.js";
import { refreshWorkers } from "./workers_panel.js";
import { duration } from "./run_details.js";
import { listControls, runMatches, runMs, sortRuns } from "./runs_list.js";

const POLL_MS = 1000;

/** @type {Map<string, HTMLTableRowElement>} */
const rows = new Map();

/**
 * One row's cells, updated in place so focus and ticked boxes survive each refresh.
 *
 * @param {any} run a `RunView`
 * @returns {HTMLTableRowElement}
 */
function newRow(run) {
  const label = `Compare ${run.name} (${run.id})`;
  const cancel = el("button", { type: "button", class: "cancel", text: "Cancel" });
  cancel.setAttribute("aria-label", `Cancel ${run.name} (${run.id})`);
  cancel.addEventListener("click", () => cancelRun(run.id, cancel));
  const row = el(
    "tr",
    { "data-run-id": run.id },
    el(
      "td",
      {},
      el("input", { type: "checkbox", name: "ids", value: run.id, "aria-label": label }),
    ),
    el(
      "th",
      { scope: "row" },
      el("a", { href: `/runs/${encodeURIComponent(run.id)}`, text: run.name }),
      el("br"),
      el("small", { class: "muted", text: run.id }),
    ),
    ...["mode", "status"].map((c) => el("td", { "data-col": c })),
    el(
      "td",
      { "data-col": "progress" },
      el("progress", { max: "1", "aria-label": `Progress of ${run.name}` }),
      el("span"),
    ),
    ...["lr", "multiplier", "val", "created", "duration", "backend"].map((c) =>
      el("td", { "data-col": c })
    ),
    el("td", {}, cancel),
  );
  return row;
}

/**
 * @param {HTMLTableRowElement} row
 * @param {any} run a `RunView`
 */
function updateRow(row, run) {
  /** @param {string} col @param {string} text */
  const set = (col, text) => {
    const cell = row.querySelector(`[data-col="${col}"]`);
    if (cell && cell.textContent !== text) cell.textContent = text;
  };
  set("mode", run.mode);
  set("status", run.reason ? `${run.status}: ${run.reason}` : run.status);
  const bar = row.querySelector("progress");
  if (bar) bar.value = run.progress.fraction;
  const span = row.querySelector('[data-col="progress"] span');
  if (span) span.textContent = ` ${run.progress.step} / ${run.progress.totalSteps}`;
  set("lr", num(run.lr, 3));
  set("multiplier", `×${num(run.multiplier, 3)}`);
  set("val", num(run.lastValLoss));
  set("created", new Date(run.createdAt).toLocaleString());
  set("duration", duration(runMs(run)));
  // The backend's short name in the table, the whole description on hover: it no longer wraps.
  const backend = run.worker?.backend;
  set("backend", backend ? `${backend.name}${backend.accelerator ? " + BLAS" : ""}` : "–");
  row.querySelector('[data-col="backend"]')?.setAttribute(
    "title",
    backend
      ? `${backend.name} ${backend.version}${
        backend.accelerator ? ` + ${backend.accelerator}` : ""
      }`
      : "",
  );
  const cancel = row.querySelector("button.cancel");
  if (cancel instanceof HTMLButtonElement) cancel.hidden = isTerminal(run.status);
}

/** @type {any[]} the runs of the last poll */
let latest = [];
const list = listControls(() => render());

async function refresh() {
  latest = (await api("/v1/runs")).runs;
  render();
}

/** Shows the runs of the last poll that match the search and filter, in the chosen order. */
function render() {
  const runs = latest;
  const body = byId("runs-table", HTMLTableElement).tBodies[0];
  const seen = new Set();
  /** @type {HTMLTableRowElement[]} */
  const order = [];
  for (const run of runs) {
    seen.add(run.id);
    let row = rows.get(run.id);
    if (!row) rows.set(run.id, row = newRow(run));
    updateRow(row, run);
    row.hidden = !runMatches(run, list);
  }
  for (const run of sortRuns(runs, list)) {
    order.push(/** @type {HTMLTableRowElement} */ (rows.get(run.id)));
  }
  for (const [id, row] of rows) if (!seen.has(id)) (row.remove(), rows.delete(id));
  order.forEach((row, i) => {
    if (body.rows[i] !== row) body.insertBefore(row, body.rows[i] ?? null);
  });
  byId("runs-status", HTMLElement).textContent = runs.length
    ? `${runs.length} run${runs.length === 1 ? "" : "s"}, ${
      runs.filter((/** @type {any} */ r) => !isTerminal(r.status)).length
    } active.`
    : "No runs yet: create one below.";
}

/**
 * @param {string} id
 * @param {HTMLButtonElement} button
 */
async function cancelRun(id, button) {
  const status = byId("action-status", HTMLElement);
  // Cancelling cannot be undone: the run ends with RunCancelled.
  if (!confirm(`Cancel run ${id}? It stops within one step and cannot be resumed.`)) return;
  button.disabled = true;
  try {
    await api(`/v1/runs/${encodeURIComponent(id)}/cancel`, { method: "POST", body: {} });
    status.textContent = `Cancelled ${id}.`;
    await refresh();
  } catch (err) {
    status.textContent = `Could not cancel ${id}: ${err instanceof Error ? err.message : err}`;
  } finally {
    button.disabled = false;
  }
}

async function loadExamples() {
  const select = byId("example", HTMLSelectElement);
  const textarea = byId("definition", HTMLTextAreaElement);
  const { examples } = await api("/v1/examples");
  /** @type {Map<string, unknown>} */
  const byFile = new Map();
  for (const { file, definition } of examples) {
    byFile.set(file, definition);
    select.append(el("option", { value: file, text: file }));
  }
  select.addEventListener("change", () => {
    if (byFile.has(select.value)) {
      textarea.value = JSON.stringify(byFile.get(select.value), null, 2);
    }
  });
}

/** @param {SubmitEvent} event */
async function create(event) {
  event.preventDefault();
  const textarea = byId("definition", HTMLTextAreaElement);
  const errors = byId("definition-errors", HTMLElement);
  const status = byId("create-status", HTMLElement);
  errors.replaceChildren();
  status.textContent = "";
  textarea.removeAttribute("aria-invalid");
  let definition;
  try {
    definition = JSON.parse(textarea.value);
  } catch (err) {
    textarea.setAttribute("aria-invalid", "true");
    showError(
      errors,
      new Error(`The definition is not JSON: ${/** @type {Error} */ (err).message}`),
    );
    return;
  }
  try {
    const run = await api("/v1/runs", { method: "POST", body: definition });
    status.replaceChildren("Created ", el("a", { href: `/runs/${run.id}`, text: run.name }), ".");
    await refresh();
  } catch (err) {
    textarea.setAttribute("aria-invalid", "true");
    showError(errors, err);
  }
}

initTokenField();
byId("create-form", HTMLFormElement).addEventListener("submit", create);
byId("compare-form", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  const ids = [...document.querySelectorAll('input[name="ids"]:checked')]
    .map((box) => /** @type {HTMLInputElement} */ (box).value);
  location.href = `/compare?ids=${ids.map(encodeURIComponent).join(",")}`;
});
loadExamples().catch((err) => showError(byId("definition-errors", HTMLElement), err));
every(refresh, POLL_MS);
every(refreshWorkers, POLL_MS);
