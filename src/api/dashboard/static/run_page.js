// @ts-check
/// <reference lib="dom" />
/**
 * A run's page: summary, curves with decision markers, evidence, audit table and what-if; kept
 * live by following the run's event stream (SSE) until the run ends.
 *
 * @module
 */

import { audit } from "./audit.js";
import { api, byId, el, initTokenField, isTerminal, num, showError } from "./common.js";
import { runCharts } from "./run_charts.js";
import { runDetails } from "./run_details.js";
import { openLinkedDecision } from "./decision_links.js";
import { whatIfPanel } from "./whatif.js";

/** Points per curve the server averages the log into. */
const MAX_POINTS = 2000;
/** The least time between two refreshes while events stream in. */
const REFRESH_MS = 700;

const runId = decodeURIComponent(location.pathname.split("/").filter(Boolean).at(-1) ?? "");
const path = `/v1/runs/${encodeURIComponent(runId)}`;
/** @type {any} the run's view */
let view = null;
/** @type {any} the body of `.../curves` */
let curves = null;

const auditPanel = audit(runId, (d) => auditPanel.showEvidence(d));
const details = runDetails(runId);
const charts = runCharts(
  byId("loss-chart", HTMLElement),
  byId("lr-chart", HTMLElement),
  (d) => auditPanel.showEvidence(d),
);
const whatIf = whatIfPanel(runId, {
  overlay: (w) => charts.setWhatIf(w),
  run: () => ({
    adalrs: view.definition.adalrs,
    multiplier: view.multiplier,
    colours: curves?.ruleColours ?? {},
    firstLr: curves?.lr.step.length ? { step: curves.lr.step[0], value: curves.lr.value[0] } : null,
  }),
});

function renderSummary() {
  const backend = view.worker?.backend;
  /** @type {[string, string][]} */
  const items = [
    ["Status", view.reason ? `${view.status}: ${view.reason}` : view.status],
    ["Mode", view.mode],
    ["Progress", `${view.progress.step} / ${view.progress.totalSteps} steps`],
    ["Learning rate", num(view.lr)],
    ["Multiplier", `×${num(view.multiplier)}`],
    ["Last training loss", num(view.lastLoss)],
    ["Last validation loss", num(view.lastValLoss)],
    ["Decisions", String(view.decisions)],
    [
      "Backend",
      backend
        ? `${backend.name} ${backend.version}${
          backend.accelerator ? ` + ${backend.accelerator}` : ""
        }`
        : "–",
    ],
    ["Id", view.id],
  ];
  byId("run-summary", HTMLElement).replaceChildren(
    ...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { "data-field": k, text: v })]),
  );
}

async function refresh() {
  view = await api(path);
  renderSummary();
  details.update(view);
  curves = await api(`${path}/curves?max=${MAX_POINTS}`);
  auditPanel.setColours(curves.ruleColours);
  charts.update(curves);
  const shown = curves.train.step.length;
  byId("curves-note", HTMLElement).dataset.points = String(curves.points.train);
  if (curves.points.train > shown) {
    byId("curves-note", HTMLElement).textContent = `Showing ${shown} of ${curves.points.train} ` +
      "training losses, averaged in buckets of consecutive steps. Each marker is an LR " +
      "decision: select one to see its evidence.";
  }
}

let refreshing = false;
let again = false;
/** Refreshes soon, at most once per `REFRESH_MS`, never two at a time. */
function schedule() {
  if (refreshing) return void (again = true);
  refreshing = true;
  setTimeout(async () => {
    try {
      await refresh();
    } catch (err) {
      console.warn("Refresh failed:", err);
    }
    refreshing = false;
    if (again) (again = false, schedule());
  }, REFRESH_MS);
}

const EVENT_TYPES = [
  "RunLeased",
  "LossWindowRecorded",
  "LrDecided",
  "SnapshotTaken",
  "RolledBack",
  "CheckpointSaved",
  "CheckpointFailed",
  "EvalRecorded",
  "RunCompleted",
  "RunFailed",
  "RunCancelled",
];

/** Follows the run's events from `after` until it ends. */
function follow(/** @type {number} */ after) {
  const source = new EventSource(`${path}/events/stream?after=${after}`);
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (message) => {
      const event = JSON.parse(message.data);
      if (event.type === "LrDecided") {
        auditPanel.addRow({ seq: event.seq, abandoned: !!event.abandoned, ...event.data.decision });
      }
      if (event.type === "RunLeased" && event.data.resume) auditPanel.reload();
      if (isTerminal(event.type.replace(/^Run/, "").toLowerCase())) source.close();
      schedule();
    });
  }
}

async function start() {
  initTokenField();
  try {
    view = await api(path);
  } catch (err) {
    showError(byId("run-error", HTMLElement), err);
    return;
  }
  document.title = `${view.name} · adalrs`;
  byId("run-title", HTMLElement).textContent = view.name;
  whatIf.prefill(view.definition.adalrs);
  const startSeq = view.seq;
  await refresh();
  await auditPanel.load();
  openLinkedDecision(auditPanel);
  if (!isTerminal(view.status)) follow(startSeq);
}

start().catch((err) => showError(byId("run-error", HTMLElement), err));
