// @ts-check
/// <reference lib="dom" />
/**
 * What differs between runs' definitions, field by field: the compare page's answer to "why do
 * these curves differ?" (MLflow's parameter diff).
 *
 * @module
 */

import { el } from "./common.js";

/**
 * A definition as dotted paths to leaf values: `optimizer.lr` → 0.0003.
 *
 * @param {unknown} value
 * @param {string} [prefix]
 * @returns {Map<string, string>}
 */
export function flatten(value, prefix = "") {
  /** @type {Map<string, string>} */
  const out = new Map();
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      for (const [p, x] of flatten(v, prefix ? `${prefix}.${k}` : k)) out.set(p, x);
    }
  } else {
    out.set(prefix, JSON.stringify(value));
  }
  return out;
}

/**
 * The fields whose values are not the same in every definition, in a stable order.
 *
 * @param {unknown[]} definitions
 * @returns {{ path: string, values: (string | undefined)[] }[]}
 */
export function diffDefinitions(definitions) {
  const flat = definitions.map((d) => flatten(d));
  const paths = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  return paths
    .map((path) => ({ path, values: flat.map((f) => f.get(path)) }))
    .filter((row) => new Set(row.values).size > 1);
}

/**
 * Fills the compare page's diff table: one row per differing field, one column per run.
 *
 * @param {HTMLTableElement} table
 * @param {{ view: any }[]} runs
 */
export function renderDiff(table, runs) {
  const rows = diffDefinitions(runs.map((r) => r.view.definition));
  table.tHead?.replaceChildren(
    el(
      "tr",
      {},
      el("th", { scope: "col", text: "Field" }),
      ...runs.map((r, i) => el("th", { scope: "col", text: `${i + 1}. ${r.view.name}` })),
    ),
  );
  table.tBodies[0].replaceChildren(
    ...(rows.length === 0
      ? [el("tr", {}, el("td", { text: "The definitions are identical." }))]
      : rows.map((row) =>
        el(
          "tr",
          { "data-path": row.path },
          el("th", { scope: "row", text: row.path }),
          ...row.values.map((v) => el("td", { text: v ?? "–" })),
        )
      )),
  );
}
