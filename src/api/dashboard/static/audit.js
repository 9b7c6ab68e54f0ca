// @ts-check
/// <reference lib="dom" />
/**
 * A run's audit: the table of every LR decision, its evidence, and verification by replay.
 *
 * @module
 */

import { decisionHash } from "./decision_links.js";
import { api, byId, el, num } from "./common.js";

/** What each rule means (the controller's own words, shortened). */
const RULES = {
  disabled: "AdaLRS is off; the LR is the base schedule's.",
  observe: "Nothing to change (first window, descent not slowing, or just after a trial).",
  "outside-search": "The window ended outside the search phase; the multiplier is frozen.",
  "max-guard": "Descent slowed, but the loss is above every earlier window's; no trial.",
  "reference-window": "Descent slowed; the next window at the same LR becomes the reference.",
  "upscale-trial": "Descent slowed: snapshot, then multiply the LR by α′.",
  "trial-return": "The trial window is measured; one more window at the old LR closes the " +
    "reference before the trial is judged.",
  "trial-accept": "The trial won: its branch ended ahead of the control branch on the same " +
    "batches (paired), or it descended faster beyond the error bars (sequential); keep its LR.",
  "trial-restore": "The trial descended slower beyond the error bars; restore and downscale.",
  "trial-setback": "Back at the old LR, the loss stands above where it was before the trial: " +
    "restore and downscale.",
  "trial-revert": "No clear difference; go back to the old LR and keep the progress.",
  "downscale-trial": "After a kept downscale: snapshot, then divide the LR by β′ for a trial.",
  "trial-settle": "One more settling window at the lower LR in the trial branch.",
  "trial-branch": "The trial branch is done: save it, restore the snapshot and train the same " +
    "batches again without the trial LR (the control branch).",
  "control-window": "A control-branch window; the verdict compares a later one.",
  "trial-reject": "The upscale's branch ended behind the control branch: stay on the control " +
    "branch and try the downscale (none after the search phase).",
  "trial-cooldown": "The trial window is measured: save the trial branch, then cool it.",
  "control-cooldown": "The control window is measured: save the control branch, then cool it.",
  "trial-abort": "The upscale's trial window rose beyond abortRise: restore and try the downscale.",
  ceiling:
    "Descent slowed, but an upscale from this LR or above blew up before, or lost clearly more than the downscale after it; no trial.",
  bracketed: "An upscale lost and the downscale after it did not win; no more trials.",
  rising: "The loss rose significantly once; one more such window downscales.",
  "rise-downscale": "The loss rose over two windows in a row; divide the LR by β′.",
  "non-finite-restore": "A NaN or infinite loss during a trial; restore and downscale.",
  "non-finite-downscale": "A NaN or infinite loss; divide the LR by β′.",
};

/**
 * @param {any} stats a window's statistics, or null
 * @returns {string}
 */
function statsText(stats) {
  if (!stats) return "–";
  return `steps ${stats.fromStep}–${stats.toStep}: v ${num(stats.v)}, e ${num(stats.e)}, ` +
    `mean loss ${num(stats.mean)}`;
}

/**
 * A paired verdict's evidence: the branches' difference on the same batches, and where they ran.
 *
 * @param {any} paired `decision.paired`
 * @returns {string}
 */
function pairedText(paired) {
  const compared = paired.cooldown
    ? "the second halves of their cooldowns"
    : paired.settleWindow
    ? `settling window ${paired.settleWindow}, before the last (kept early)`
    : "the last settling window";
  return `trial − control ${num(paired.difference)} ± ${num(paired.e)} over ${paired.k} ` +
    `batches (${compared}); trial branch from step ${paired.trialFrom}, control branch from ` +
    `step ${paired.controlFrom}`;
}

/**
 * How the search phase's windows were sized from the run's noise (`noiseWindow`).
 *
 * @param {any} sized `decision.sized`
 * @returns {string}
 */
function sizedText(sized) {
  return `descent ${num(sized.v)} a step, noise ${num(sized.noise)} a step: windows of ` +
    `${sized.window} losses and ${sized.settle} settling windows from the next step on`;
}

/** @param {any} action */
function actionText(action) {
  return action.kind === "continue" ? "continue" : `${action.kind} ${action.snapshotId}`;
}

/**
 * The audit section of a run's page.
 *
 * @param {string} runId
 * @param {(decision: any) => void} onSelect called when a row's evidence is asked for
 */
export function audit(runId, onSelect) {
  const body = byId("audit-table", HTMLTableElement).tBodies[0];
  const actingOnly = byId("acting-only", HTMLInputElement);
  const evidence = byId("evidence-body", HTMLElement);
  /** @type {Map<number, HTMLTableRowElement>} rows by the decision's seq */
  const rows = new Map();
  /** @type {Map<number, any>} decisions that were not abandoned, by index */
  const byIndex = new Map();
  /** @type {Map<number, any>} replay results by recorded seq */
  const replayed = new Map();
  /** @type {Record<string, string>} */
  let colours = {};

  /** @param {HTMLTableRowElement} row */
  const applyFilter = (row) => {
    row.hidden = actingOnly.checked && !((row.dataset.rule ?? "") in colours);
  };
  actingOnly.addEventListener("change", () => rows.forEach(applyFilter));

  /** @param {any} d a decision from `GET /v1/runs/{id}/decisions` */
  function addRow(d) {
    if (rows.has(d.seq)) return;
    if (!d.abandoned) byIndex.set(d.index, d);
    const show = el("button", { type: "button", text: "Show" });
    show.setAttribute("aria-label", `Show the evidence of decision ${d.index}`);
    show.addEventListener("click", () => onSelect(d));
    const cell = (/** @type {string} */ text) => el("td", { text });
    const swatch = el("span", { class: "swatch" });
    swatch.style.background = colours[d.rule] ?? "transparent";
    const row = el(
      "tr",
      { "data-seq": d.seq, "data-rule": d.rule, class: d.abandoned ? "abandoned" : undefined },
      el("th", { scope: "row", text: String(d.index) }),
      cell(`${d.window.fromStep}–${d.window.toStep}`),
      el("td", {}, swatch, d.rule, d.abandoned ? " (abandoned)" : ""),
      cell(num(d.window.stats?.v)),
      cell(num(d.window.stats?.e)),
      cell(num(d.reference?.v)),
      cell(num(d.alpha)),
      cell(num(d.beta, 3)),
      cell(String(d.n)),
      cell(`${num(d.mBefore, 3)} → ${num(d.mAfter, 3)}`),
      cell(num(d.lr, 3)),
      cell(actionText(d.action)),
      el("td", { class: "replay", text: "–" }),
      el("td", {}, show),
    );
    rows.set(d.seq, row);
    applyFilter(row);
    body.append(row);
  }

  /** @param {any} decision a decision from the log, or from a chart marker (no seq) */
  function showEvidence(decision) {
    const d = decision.seq === undefined ? byIndex.get(decision.index) ?? decision : decision;
    const result = replayed.get(d.seq);
    /** @type {[string, string][]} */
    const branches = d.paired ? [["Branches (paired)", pairedText(d.paired)]] : [];
    /** @type {[string, string][]} */
    const sizing = d.sized ? [["Windows sized from noise", sizedText(d.sized)]] : [];
    /** @type {[string, string][]} */
    const items = [
      ["Decision", `#${d.index}${d.seq !== undefined ? ` (event ${d.seq})` : ""}`],
      ["Rule", `${d.rule}: ${RULES[/** @type {keyof RULES} */ (d.rule)] ?? ""}`],
      [
        "Window",
        d.window.stats
          ? statsText(d.window.stats)
          : `steps ${d.window.fromStep}–${d.window.toStep}: a non-finite loss`,
      ],
      ["Previous window", statsText(d.previous)],
      ...sizing,
      ["Trial window (judged)", statsText(d.trial ?? null)],
      ...branches,
      ["Reference", statsText(d.reference)],
      ["α′, β′", `${num(d.alpha)}, ${num(d.beta)}`],
      ["n (adjustments so far)", String(d.n)],
      ["Multiplier m", `${num(d.mBefore)} → ${num(d.mAfter)}`],
      ["Next step and its LR", `${d.nextStep} at ${num(d.lr)}`],
      ["Action", actionText(d.action)],
    ];
    if (d.abandoned) items.push(["Abandoned", "yes: a resume from checkpoint dropped it"]);
    if (result) {
      items.push([
        "Replay",
        result.identical ? "identical" : `different: ${result.differences.join(", ")}`,
      ]);
    }
    const link = el("a", {
      href: decisionHash(d.index),
      class: "permalink",
      text: `Link to decision ${d.index}`,
    });
    if (!d.abandoned) history.replaceState(null, "", decisionHash(d.index));
    evidence.replaceChildren(
      el("p", {}, link),
      el(
        "dl",
        { class: "evidence", "data-index": d.index },
        ...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]),
      ),
    );
  }

  /** Loads every decision recorded so far. */
  async function load() {
    const { decisions } = await api(`/v1/runs/${encodeURIComponent(runId)}/decisions`);
    decisions.forEach(addRow);
  }

  async function verify() {
    const status = byId("verify-status", HTMLElement);
    status.textContent = "Replaying…";
    try {
      const report = await api(`/v1/runs/${encodeURIComponent(runId)}/replay`, {
        method: "POST",
        body: {},
      });
      for (const d of report.decisions) {
        if (d.recordedSeq === null) continue;
        replayed.set(d.recordedSeq, d);
        const cell = rows.get(d.recordedSeq)?.querySelector("td.replay");
        if (!cell) continue;
        cell.textContent = d.identical ? "identical" : `different: ${d.differences.join(", ")}`;
        cell.className = `replay ${d.identical ? "same" : "differs"}`;
      }
      status.textContent = report.different === 0
        ? `All ${report.identical} decisions re-derived identical.`
        : `${report.different} of ${report.decisions.length} decisions differ.`;
    } catch (err) {
      status.textContent = `Replay failed: ${err instanceof Error ? err.message : err}`;
    }
  }
  byId("verify", HTMLButtonElement).addEventListener("click", verify);

  return {
    /** @param {Record<string, string>} next marker colour of each acting rule */
    setColours(next) {
      colours = next;
    },
    load,
    /** Loads the table anew: a resume from checkpoint abandoned some decisions. */
    async reload() {
      rows.forEach((row) => row.remove());
      rows.clear();
      byIndex.clear();
      await load();
    },
    addRow,
    showEvidence,
    /** @param {number} index a decision's index; undefined when not (yet) loaded */
    find(index) {
      return byIndex.get(index);
    },
  };
}
