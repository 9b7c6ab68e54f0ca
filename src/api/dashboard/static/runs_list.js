// @ts-check
/// <reference lib="dom" />
/**
 * The runs table's search, status filter and sortable columns. Pure functions decide which runs
 * show and in what order; `listControls` wires the page's inputs to them.
 *
 * @module
 */

/** @typedef {{ query: string, status: string, sort: string, descending: boolean }} ListState */

/** How each sortable column orders runs. */
const SORT_KEYS = {
  /** @param {any} r */
  name: (r) => String(r.name).toLowerCase(),
  /** @param {any} r */
  status: (r) => r.status,
  /** @param {any} r */
  progress: (r) => r.progress.fraction,
  /** @param {any} r */
  lr: (r) => r.lr,
  /** @param {any} r */
  multiplier: (r) => r.multiplier,
  /** @param {any} r */
  val: (r) => (r.lastValLoss === null ? Infinity : Number(r.lastValLoss)),
  /** @param {any} r */
  created: (r) => Date.parse(r.createdAt),
  /** @param {any} r */
  duration: (r) => runMs(r),
};

/**
 * A run's duration in ms: to its last event once ended, to now while it runs.
 *
 * @param {any} run a `RunView`
 * @param {number} [now]
 */
export function runMs(run, now = Date.now()) {
  const ended = ["completed", "failed", "cancelled"].includes(run.status);
  return (ended ? Date.parse(run.updatedAt) : now) - Date.parse(run.createdAt);
}

/**
 * Whether a run matches the search (in its name, id or tags) and the status filter.
 *
 * @param {any} run a `RunView`
 * @param {ListState} state
 */
export function runMatches(run, state) {
  if (state.status && run.status !== state.status) return false;
  const q = state.query.trim().toLowerCase();
  if (!q) return true;
  const tags = Object.entries(run.definition?.tags ?? {}).map(([k, v]) => `${k}:${v} ${k}=${v}`);
  return [run.name, run.id, ...tags].some((text) => String(text).toLowerCase().includes(q));
}

/**
 * The runs in the table's order: newest first unless a column was chosen.
 *
 * @param {any[]} runs as the API lists them, newest first
 * @param {ListState} state
 */
export function sortRuns(runs, state) {
  const key = SORT_KEYS[/** @type {keyof SORT_KEYS} */ (state.sort)];
  if (!key) return runs;
  const sign = state.descending ? -1 : 1;
  return [...runs].sort((a, b) => {
    const x = key(a), y = key(b);
    return x < y ? -sign : x > y ? sign : 0;
  });
}

/**
 * Wires the search box, the status filter and the column headers' sort buttons.
 *
 * @param {() => void} onChange re-renders the table
 * @returns {ListState} kept up to date
 */
export function listControls(onChange) {
  /** @type {ListState} */
  const state = { query: "", status: "", sort: "", descending: false };
  const search = document.getElementById("runs-search");
  const status = document.getElementById("runs-filter-status");
  if (search instanceof HTMLInputElement) {
    search.addEventListener("input", () => (state.query = search.value, onChange()));
  }
  if (status instanceof HTMLSelectElement) {
    status.addEventListener("change", () => (state.status = status.value, onChange()));
  }
  for (const button of document.querySelectorAll("#runs-table button[data-sort]")) {
    button.addEventListener("click", () => {
      const key = /** @type {HTMLElement} */ (button).dataset.sort ?? "";
      state.descending = state.sort === key ? !state.descending : false;
      state.sort = key;
      for (const th of document.querySelectorAll("#runs-table th[aria-sort]")) {
        th.setAttribute("aria-sort", "none");
      }
      button.closest("th")?.setAttribute(
        "aria-sort",
        state.descending ? "descending" : "ascending",
      );
      onChange();
    });
  }
  return state;
}
