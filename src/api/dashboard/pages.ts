/**
 * The dashboard's HTML pages, rendered on the server. Each is a static shell: the page's ES
 * module (under `/static/dashboard/`) fills it from the JSON API and keeps it live.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { z } from "zod";
import { AdalrsBaseSchema } from "../../events/mod.ts";
import { RULE_COLOURS } from "../../replay/mod.ts";

/** Lets the pages' modules import uPlot by its bare name, as `deno check` resolves it too. */
const IMPORT_MAP = JSON.stringify({ imports: { uplot: "/static/vendor/uPlot.esm.js" } });

/** Content-Security-Policy of every page: only this service's own scripts and data. */
export const PAGE_CSP = [
  "default-src 'self'",
  `script-src 'self' 'sha256-${createHash("sha256").update(IMPORT_MAP).digest("base64")}'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!,
  );
}

function page(title: string, script: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · adalrs</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/vendor/uPlot.min.css">
<link rel="stylesheet" href="/static/dashboard/dashboard.css">
<script type="importmap">${IMPORT_MAP}</script>
<script type="module" src="/static/dashboard/${script}"></script>
</head>
<body>
<header class="top">
<a class="brand" href="/">adalrs</a>
<nav aria-label="Main"><a href="/">Runs</a> <a href="/compare">Compare</a> <a href="/docs">API docs</a></nav>
<p class="token">
<label for="token">API token</label>
<input id="token" type="password" autocomplete="off" size="24"
 aria-describedby="token-hint" placeholder="needed with ADALRS_TOKEN">
<span id="token-hint" class="muted">Sent on writes; kept for this tab only.</span>
</p>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** Search and status filter above the runs table (read by `runs_list.js`). */
function runsFilters(): string {
  const statuses = ["queued", "running", "completed", "failed", "cancelled"]
    .map((st) => `<option>${st}</option>`).join("");
  return `<p class="chart-controls">
<label for="runs-search">Search</label>
<input type="search" id="runs-search" placeholder="name, id or tag (key:value)" size="28">
<label for="runs-filter-status">Status</label>
<select id="runs-filter-status"><option value="">any</option>${statuses}</select></p>`;
}

/** A column header that sorts the runs table by `key` (toggling the direction). */
function sortableHeader(key: string, label: string): string {
  return `<th scope="col" aria-sort="none"><button type="button" class="sort" data-sort="${key}">${
    escapeHtml(label)
  }</button></th>`;
}

/** The runs page, `/`. */
export function runsPage(): string {
  return page(
    "Runs",
    "runs_page.js",
    `<h1>Runs</h1>
<section aria-labelledby="runs-h">
<h2 id="runs-h">All runs</h2>
<p id="runs-status" class="muted" role="status">Loading…</p>
${runsFilters()}
<form id="compare-form" action="/compare" method="get">
<table id="runs-table">
<caption>Newest first unless sorted by a column; updates live.</caption>
<thead><tr>
<th scope="col">Compare</th>${sortableHeader("name", "Name")}<th scope="col">Mode</th>
${sortableHeader("status", "Status")}${sortableHeader("progress", "Progress")}
${sortableHeader("lr", "Learning rate")}${sortableHeader("multiplier", "Multiplier")}
${sortableHeader("val", "Last validation loss")}${sortableHeader("created", "Created")}
${sortableHeader("duration", "Duration")}<th scope="col">Backend</th><th scope="col">Actions</th>
</tr></thead>
<tbody></tbody>
</table>
<p><button type="submit" id="compare-button">Compare selected runs</button></p>
</form>
<p id="action-status" role="status"></p>
</section>
<section aria-labelledby="workers-h">
<h2 id="workers-h">Workers</h2>
<p id="workers-status" class="muted" role="status">Loading…</p>
<table id="workers-table">
<caption>Trainer processes; a worker that stops beating for 10 beats is not alive.</caption>
<thead><tr>
<th scope="col">Worker</th><th scope="col">State</th><th scope="col">Run</th>
<th scope="col">Last beat</th><th scope="col">Restarts</th><th scope="col">Last exit</th>
</tr></thead>
<tbody></tbody>
</table>
</section>
<section aria-labelledby="create-h">
<h2 id="create-h">Create a run</h2>
<form id="create-form" novalidate>
<p><label for="example">Start from an example</label>
<select id="example"><option value="">(choose an example)</option></select></p>
<div class="field-with-errors">
<p><label for="definition">Run definition (JSON)</label>
<textarea id="definition" rows="14" spellcheck="false"
 aria-describedby="definition-errors"></textarea></p>
<div id="definition-errors" class="errors" role="alert"></div>
</div>
<p><button type="submit">Create run</button> <span id="create-status" role="status"></span></p>
</form>
</section>`,
  );
}

/** One input of the what-if form, derived from the controller's settings schema. */
function whatIfField(key: string, schema: z.ZodType): string {
  const inner = schema instanceof z.ZodDefault ? schema.unwrap() : schema;
  const id = `whatif-${key}`;
  const label = `<label for="${id}">${escapeHtml(WHAT_IF_LABELS[key] ?? key)}</label>`;
  const errors = `<span class="errors" id="${id}-errors" role="alert"></span>`;
  const described = `name="${key}" aria-describedby="${id}-errors"`;
  if (inner instanceof z.ZodBoolean) {
    return `<p class="check"><input type="checkbox" id="${id}" ${described}> ${label} ${errors}</p>`;
  }
  if (inner instanceof z.ZodEnum) {
    const options = (inner.options as string[])
      .map((o) => `<option>${escapeHtml(o)}</option>`).join("");
    return `<p>${label}<select id="${id}" ${described}>${options}</select>${errors}</p>`;
  }
  const n = inner as z.ZodNumber;
  const bounds = (n.minValue !== null ? ` min="${n.minValue}"` : "") +
    (n.maxValue !== null ? ` max="${n.maxValue}"` : "");
  const step = n.isInt ? "1" : "any";
  return `<p>${label}<input type="number" id="${id}" ${described} step="${step}"${bounds}
 data-number>${errors}</p>`;
}

const WHAT_IF_LABELS: Record<string, string> = {
  enabled: "AdaLRS enabled",
  window: "Window k (losses per window)",
  alpha: "α (upscale factor)",
  beta: "β (downscale factor)",
  lambda: "λ (decay per adjustment)",
  z: "z (standard errors of the slope)",
  searchStart: "Search start (fraction of steps)",
  searchEnd: "Search end (fraction of steps)",
  reference: "Reference window",
};

/** The legend of the decision markers, one colour per rule. */
function ruleLegend(): string {
  return Object.entries(RULE_COLOURS).map(([rule, colour]) =>
    `<li><span class="swatch" style="background:${colour}"></span>${rule}</li>`
  ).join("") +
    `<li><span class="swatch abandoned"></span>abandoned (rolled back or lost to a crash)</li>`;
}

/**
 * The run's definition, tags, times and downloads (filled by `run_details.js`): what W&B and
 * MLflow call the run's config and artifacts.
 */
function runDetailsSection(): string {
  return `<section id="run-details" aria-labelledby="details-h">
<h2 id="details-h">Definition and downloads</h2>
<dl id="run-times" class="summary"></dl>
<p id="run-tags" class="tags"></p>
<details id="definition-box"><summary>Run definition (model, data, training, optimizer, schedule,
AdaLRS)</summary>
<p><button type="button" id="copy-definition">Copy as JSON</button>
<span id="copy-status" role="status"></span></p>
<pre id="definition-json"></pre>
</details>
<p id="downloads">Download: <a id="dl-curves-csv" download>curves (CSV)</a> ·
<a id="dl-curves-json" download>curves (JSON)</a> ·
<a id="dl-decisions-csv" download>decisions (CSV)</a> ·
<a id="dl-decisions-json" download>decisions (JSON)</a></p>
</section>`;
}

/** Smoothing and axis controls of the loss chart (read by `run_charts.js`). */
function lossControls(): string {
  return `<p class="chart-controls">
<label for="smoothing">Smoothing (EMA)</label>
<input type="range" id="smoothing" min="0" max="0.99" step="0.01" value="0"
 aria-describedby="smoothing-value"> <output id="smoothing-value" for="smoothing">0</output>
<span class="check"><input type="checkbox" id="log-loss"> <label for="log-loss">Log loss
axis</label></span></p>`;
}

/** A run's page, `/runs/{id}`. */
export function runPage(): string {
  const fields = Object.entries(AdalrsBaseSchema.shape)
    .map(([key, schema]) => whatIfField(key, schema as z.ZodType)).join("\n");
  return page(
    "Run",
    "run_page.js",
    `<p><a href="/">← All runs</a></p>
<h1 id="run-title">Run</h1>
<p id="run-error" class="errors" role="alert"></p>
<dl id="run-summary" class="summary"></dl>
<div class="charts-evidence">
<section aria-labelledby="curves-h">
<h2 id="curves-h">Loss and learning rate</h2>
<ul class="legend" aria-label="Marker colours">${ruleLegend()}</ul>
${lossControls()}
<figure>
<div id="loss-chart" class="chart"></div>
<div id="lr-chart" class="chart"></div>
<figcaption id="curves-note" class="muted">Training loss (line) and validation loss (dots)
against step; below, the effective learning rate on a log axis. Each marker is an LR decision:
select one to see its evidence.</figcaption>
</figure>
</section>
<section id="evidence" aria-labelledby="evidence-h" tabindex="-1">
<h2 id="evidence-h">Decision evidence</h2>
<div id="evidence-body"><p class="muted">Select a marker on the chart, or a decision in the
audit table.</p></div>
</section>
</div>
${runDetailsSection()}
<section aria-labelledby="audit-h">
<h2 id="audit-h">Audit: every LR decision</h2>
<p><button type="button" id="verify">Verify by replay</button>
<span id="verify-status" role="status"></span></p>
<p class="check"><input type="checkbox" id="acting-only">
<label for="acting-only">Only decisions that changed the LR or took a snapshot</label></p>
<div class="scroll"><table id="audit-table">
<caption>Each decision with its evidence; "Replay" fills in after a verification.</caption>
<thead><tr>
<th scope="col">#</th><th scope="col">Steps</th><th scope="col">Rule</th>
<th scope="col">v</th><th scope="col">e</th><th scope="col">Reference v</th>
<th scope="col">α′</th><th scope="col">β′</th><th scope="col">n</th>
<th scope="col">m before → after</th><th scope="col">Next LR</th><th scope="col">Action</th>
<th scope="col">Replay</th><th scope="col">Evidence</th>
</tr></thead>
<tbody></tbody>
</table></div>
</section>
<section aria-labelledby="whatif-h">
<h2 id="whatif-h">What if: other controller settings</h2>
<p class="muted">Re-folds this run's recorded losses through the controller with the settings
below, and overlays the decisions it would have made (hollow diamonds, dashed LR). The losses stay
the recorded ones, so past the first different decision this is an estimate.</p>
<form id="whatif-form" novalidate>
<div class="whatif-fields">
${fields}
</div>
<p id="whatif-errors" class="errors" role="alert"></p>
<p><button type="submit">Replay with these settings</button>
<button type="button" id="whatif-clear">Clear the overlay</button></p>
</form>
<div id="whatif-result" role="status"></div>
</section>`,
  );
}

/** The fields in which the compared runs' definitions differ (filled by `definition_diff.js`). */
function compareDiffSection(): string {
  return `<section aria-labelledby="diff-h">
<h2 id="diff-h">How the definitions differ</h2>
<table id="compare-diff">
<caption>Only the fields whose values differ between the runs.</caption>
<thead></thead><tbody></tbody>
</table>
</section>`;
}

/** The compare page, `/compare?ids=a,b,c`. */
export function comparePage(): string {
  return page(
    "Compare",
    "compare_page.js",
    `<h1>Compare runs</h1>
<form id="compare-ids">
<p><label for="ids">Run ids, separated by commas</label>
<input id="ids" name="ids" size="60"> <button type="submit">Compare</button></p>
</form>
<p id="compare-error" class="errors" role="alert"></p>
<table id="compare-table">
<caption>The runs overlaid below, with their line colours.</caption>
<thead><tr><th scope="col">Colour</th><th scope="col">Run</th><th scope="col">Status</th>
<th scope="col">Steps</th><th scope="col">Final multiplier</th>
<th scope="col">Last validation loss</th></tr></thead>
<tbody></tbody>
</table>
<figure>
<div id="loss-chart" class="chart"></div>
<div id="lr-chart" class="chart"></div>
<figcaption class="muted">Training loss (lines) and validation loss (dots) of each run against
step; below, each run's effective learning rate on a log axis, with its LR decisions as diamonds.
</figcaption>
</figure>
${compareDiffSection()}`,
  );
}
