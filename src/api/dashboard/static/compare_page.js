// @ts-check
/// <reference lib="dom" />
/**
 * The compare page, `/compare?ids=a,b,c`: the loss and LR curves of several runs overlaid,
 * refreshed while any of them is still running.
 *
 * @module
 */

import { align, createChart, diamond, lastStep, onCanvas, PALETTE, setCurves } from "./charts.js";
import { api, byId, el, every, initTokenField, isTerminal, num, showError } from "./common.js";
import { renderDiff } from "./definition_diff.js";

const MAX_POINTS = 1500;
const POLL_MS = 2000;

/** @returns {string[]} the run ids in the query string */
function idsFromQuery() {
  const params = new URLSearchParams(location.search);
  return params.getAll("ids").flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean);
}

/**
 * @param {string} id
 * @returns {Promise<{ view: any, curves: any }>}
 */
async function load(id) {
  const path = `/v1/runs/${encodeURIComponent(id)}`;
  const [view, curves] = await Promise.all([api(path), api(`${path}/curves?max=${MAX_POINTS}`)]);
  return { view, curves };
}

/** @param {{ view: any, curves: any }[]} runs */
function renderTable(runs) {
  byId("compare-table", HTMLTableElement).tBodies[0].replaceChildren(
    ...runs.map(({ view }, i) => {
      const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
      swatch.style.background = PALETTE[i % PALETTE.length];
      return el(
        "tr",
        { "data-run-id": view.id },
        el("td", {}, swatch, ` line ${i + 1}`),
        el(
          "th",
          { scope: "row" },
          el("a", { href: `/runs/${encodeURIComponent(view.id)}`, text: view.name }),
          ` (${view.id})`,
        ),
        el("td", { text: view.status }),
        el("td", { text: `${view.progress.step} / ${view.progress.totalSteps}` }),
        el("td", { text: `×${num(view.multiplier, 3)}` }),
        el("td", { text: num(view.lastValLoss) }),
      );
    }),
  );
}

async function start() {
  initTokenField();
  const ids = idsFromQuery();
  const input = byId("ids", HTMLInputElement);
  input.value = ids.join(",");
  byId("compare-ids", HTMLFormElement).addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = input.value.split(/[\s,]+/).filter(Boolean);
    location.search = `?ids=${chosen.map(encodeURIComponent).join(",")}`;
  });
  const errors = byId("compare-error", HTMLElement);
  if (ids.length === 0) {
    errors.textContent = "No runs chosen: tick runs on the runs page, or enter their ids above.";
    return;
  }
  const loaded = await Promise.allSettled(ids.map(load));
  const failed = loaded.flatMap((r, i) => r.status === "rejected" ? [[ids[i], r.reason]] : []);
  if (failed.length > 0) {
    showError(errors, new Error(failed.map(([id, err]) => `${id}: ${err.message}`).join("; ")));
  }
  const good = ids.filter((_, i) => loaded[i].status === "fulfilled");
  if (good.length === 0) return;
  /** @param {any} run @param {number} i */
  const series = (run, i) => ({
    label: `${i + 1}. ${run.view.name}`,
    stroke: PALETTE[i % PALETTE.length],
  });
  const first = loaded.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  /** @type {{ view: any, curves: any }[]} */
  let shown = first;
  const loss = createChart(byId("loss-chart", HTMLElement), {
    yLabel: "loss",
    series: [
      ...first.map(series),
      // Validation loss as dots in the run's colour.
      ...first.map((r, i) => ({ ...series(r, i), label: `${i + 1}. validation`, dots: true })),
    ],
  });
  const lr = createChart(byId("lr-chart", HTMLElement), {
    yLabel: "learning rate",
    log: true,
    series: first.map((r, i) => ({ ...series(r, i), holds: true })),
    hooks: { draw: [(u) => drawMarkers(u, shown)] },
  });
  /** @param {{ view: any, curves: any }[]} runs */
  const draw = (runs) => {
    shown = runs;
    renderTable(runs);
    renderDiff(byId("compare-diff", HTMLTableElement), runs);
    const last = Math.max(...runs.map((r) => lastStep(r.curves)));
    setCurves(
      loss,
      align([...runs.map((r) => r.curves.train), ...runs.map((r) => r.curves.val)]),
      last,
    );
    setCurves(lr, align(runs.map((r) => r.curves.lr)), last);
  };
  draw(first);
  if (first.every((r) => isTerminal(r.view.status))) return;
  every(async () => {
    const runs = await Promise.all(good.map(load));
    draw(runs);
    return !runs.every((r) => isTerminal(r.view.status));
  }, POLL_MS);
}

/**
 * Each run's LR decisions as diamonds in the run's colour at (step, LR after), so the compare
 * page shows where each run's LR moved and why (the run page holds each one's evidence).
 *
 * @param {import("./charts.js").Chart} u
 * @param {{ curves: any }[]} runs
 */
function drawMarkers(u, runs) {
  let count = 0;
  onCanvas(u, (ctx, x) => {
    runs.forEach((run, i) => {
      ctx.fillStyle = PALETTE[i % PALETTE.length];
      for (const m of run.curves.markers) {
        const cx = x(m.step);
        const cy = u.valToPos(m.decision.lr, "y", true);
        const r = 5 * devicePixelRatio;
        diamond(ctx, cx, cy, r);
        ctx.fill();
        count++;
      }
    });
  });
  // How many are drawn, for readers of the page's structure (and its tests).
  u.root.dataset.markers = String(count);
}

start().catch((err) => showError(byId("compare-error", HTMLElement), err));
