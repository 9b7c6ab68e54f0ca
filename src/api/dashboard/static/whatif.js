// @ts-check
/// <reference lib="dom" />
/**
 * The what-if panel: re-fold a run's log with other controller settings
 * (`POST /v1/runs/{id}/replay` with `{ adalrs: overrides }`) and overlay what it would have done.
 *
 * @module
 */

import { api, ApiFailure, byId, el, num, showError } from "./common.js";

/** @typedef {import("./run_charts.js").WhatIf} WhatIf */

/** @returns {HTMLElement[]} the form's inputs and selects, each named after a setting */
function fields() {
  return [...byId("whatif-form", HTMLFormElement).querySelectorAll("[name]")]
    .filter((f) => f instanceof HTMLInputElement || f instanceof HTMLSelectElement);
}

/**
 * The what-if panel of a run's page.
 *
 * @param {string} runId
 * @param {object} hooks
 * @param {(whatIf: WhatIf | null) => void} hooks.overlay draws (or removes) the overlay
 * @param {() => { adalrs: Record<string, unknown>, multiplier: number,
 *   colours: Record<string, string>, firstLr: { step: number, value: number } | null }} hooks.run
 *   what the recorded run looks like now
 */
export function whatIfPanel(runId, hooks) {
  const form = byId("whatif-form", HTMLFormElement);
  const result = byId("whatif-result", HTMLElement);
  const general = byId("whatif-errors", HTMLElement);

  /** @param {Record<string, unknown>} adalrs the run's own settings */
  function prefill(adalrs) {
    for (const f of fields()) {
      const value = adalrs[/** @type {HTMLInputElement} */ (f).name];
      if (f instanceof HTMLInputElement && f.type === "checkbox") f.checked = value === true;
      else if (value !== undefined) /** @type {HTMLInputElement} */ (f).value = String(value);
    }
  }

  /** @returns {Record<string, unknown>} the settings that differ from the run's */
  function overrides() {
    const own = hooks.run().adalrs;
    /** @type {Record<string, unknown>} */
    const out = {};
    for (const f of fields()) {
      const input = /** @type {HTMLInputElement} */ (f);
      let value;
      if (input.type === "checkbox") value = input.checked;
      else if (input.dataset.number !== undefined) {
        if (input.value.trim() === "") continue;
        value = Number(input.value);
      } else value = input.value;
      if (value !== own[input.name]) out[input.name] = value;
    }
    return out;
  }

  function clearErrors() {
    general.replaceChildren();
    for (const box of form.querySelectorAll(".errors")) box.replaceChildren();
    for (const f of fields()) f.removeAttribute("aria-invalid");
  }

  /** @param {unknown} err */
  function showIssues(err) {
    const issues = err instanceof ApiFailure ? err.issues : [];
    const rest = [];
    for (const issue of issues) {
      const name = issue.path.replace(/^adalrs\./, "");
      const box = document.getElementById(`whatif-${name}-errors`);
      const field = document.getElementById(`whatif-${name}`);
      if (box && field) {
        box.textContent = issue.message;
        field.setAttribute("aria-invalid", "true");
      } else rest.push(issue);
    }
    if (rest.length > 0 || issues.length === 0) showError(general, err);
  }

  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    clearErrors();
    const adalrs = overrides();
    result.textContent = "Replaying…";
    let report;
    try {
      report = await api(`/v1/runs/${encodeURIComponent(runId)}/replay`, {
        method: "POST",
        body: { adalrs },
      });
    } catch (err) {
      result.textContent = "";
      showIssues(err);
      return;
    }
    render(report, adalrs);
  }

  /**
   * @param {any} report a replay report
   * @param {Record<string, unknown>} adalrs the overrides it ran with
   */
  function render(report, adalrs) {
    const run = hooks.run();
    /** @type {any[]} */
    const kept = report.decisions.filter((/** @type {any} */ d) => !d.abandoned);
    const derived = kept.map((d) => d.derived);
    const acting = derived.filter((d) => d.rule in run.colours);
    /** @type {WhatIf} */
    const whatIf = {
      lr: {
        step: [...(run.firstLr ? [run.firstLr.step] : []), ...derived.map((d) => d.nextStep)],
        value: [...(run.firstLr ? [run.firstLr.value] : []), ...derived.map((d) => d.lr)],
      },
      markers: acting.map((d) => ({ step: d.window.toStep, rule: d.rule, decision: d })),
    };
    hooks.overlay(whatIf);
    const changed = Object.entries(adalrs).map(([k, v]) => `${k} = ${v}`).join(", ");
    const first = kept.find((d) => !d.identical);
    const summary = el(
      "p",
      {},
      `With ${changed || "the run's own settings"}: ${derived.length} decisions, ` +
        `${acting.length} of them changing the LR or taking a snapshot; final multiplier ` +
        `×${num(report.final.multiplier, 3)} (the run: ×${num(run.multiplier, 3)}). `,
      first
        ? `First different decision: #${first.derived.index} at step ` +
          `${first.derived.window.toStep} (recorded: ${first.recorded?.rule ?? "no decision"}; ` +
          `what-if: ${first.derived.rule}).`
        : "Every decision is the same as recorded.",
    );
    const table = el(
      "table",
      { class: "whatif-table" },
      el("caption", { text: "What-if decisions that change the LR or take a snapshot" }),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          ...["Step", "Rule", "m before → after", "Next LR"].map((h) =>
            el("th", { scope: "col", text: h })
          ),
        ),
      ),
      el(
        "tbody",
        {},
        ...acting.map((d) =>
          el(
            "tr",
            {},
            el("td", { text: String(d.window.toStep) }),
            el("td", { text: d.rule }),
            el("td", { text: `${num(d.mBefore, 3)} → ${num(d.mAfter, 3)}` }),
            el("td", { text: num(d.lr, 3) }),
          )
        ),
      ),
    );
    result.replaceChildren(summary, el("div", { class: "scroll short" }, table));
  }

  form.addEventListener("submit", submit);
  byId("whatif-clear", HTMLButtonElement).addEventListener("click", () => {
    clearErrors();
    result.replaceChildren();
    hooks.overlay(null);
  });
  return { prefill };
}
