// @ts-check
/// <reference lib="dom" />
/**
 * The two charts of a run's page: loss, and effective LR on a log axis. Each LR decision is a
 * button on the LR chart (keyboard-usable; it opens the decision's evidence) with a line across
 * both charts; abandoned stretches are shaded; a what-if overlays its LR and decisions.
 *
 * @module
 */

import {
  align,
  createChart,
  diamond,
  lastStep,
  onCanvas,
  setCurves,
  themeColours,
} from "./charts.js";
import { lossView, lossViewControls } from "./loss_view.js";
import { el, num } from "./common.js";

/** @typedef {import("./charts.js").Columns} Columns */
/** @typedef {import("./charts.js").Chart} Chart */
/** @typedef {{ step: number, rule: string, decision: any }} Marker */
/** @typedef {{ lr: Columns, markers: Marker[] }} WhatIf */

const ABANDONED_FILL = "rgba(120, 120, 120, 0.18)";
const WHAT_IF_STROKE = "#6a3d9a";

/**
 * The charts of one run.
 *
 * @param {HTMLElement} lossBox
 * @param {HTMLElement} lrBox
 * @param {(decision: any) => void} onSelect called with a marker's decision when it is chosen
 */
export function runCharts(lossBox, lrBox, onSelect) {
  /** @type {any} */
  let curves = null;
  /** @type {WhatIf | null} */
  let whatIf = null;
  /** @type {Map<number, HTMLButtonElement>} */
  const buttons = new Map();

  /** @param {Chart} u */
  const shade = (u) =>
    onCanvas(u, (ctx, x) => {
      ctx.fillStyle = ABANDONED_FILL;
      for (const a of curves?.abandoned ?? []) {
        const from = x(a.fromStep);
        ctx.fillRect(from, u.bbox.top, Math.max(2, x(a.toStep) - from), u.bbox.height);
      }
    });
  /** @param {Chart} u */
  const lines = (u) =>
    onCanvas(u, (ctx, x) => {
      ctx.globalAlpha = 0.45;
      for (const m of curves?.markers ?? []) {
        ctx.strokeStyle = colour(m.rule);
        ctx.beginPath();
        ctx.moveTo(Math.round(x(m.step)) + 0.5, u.bbox.top);
        ctx.lineTo(Math.round(x(m.step)) + 0.5, u.bbox.top + u.bbox.height);
        ctx.stroke();
      }
    });
  /** @param {Chart} u */
  const diamonds = (u) =>
    onCanvas(u, (ctx, x) => {
      const r = 6 * devicePixelRatio;
      ctx.lineWidth = 2 * devicePixelRatio;
      for (const m of whatIf?.markers ?? []) {
        const cx = x(m.step);
        const cy = u.valToPos(m.decision.lr, "y", true);
        ctx.strokeStyle = colour(m.rule);
        diamond(ctx, cx, cy, r);
        ctx.stroke();
      }
    });

  // The smoothing and log controls change only how the loss is drawn, never the data.
  const view = lossViewControls(() => redraw());
  const loss = createChart(lossBox, {
    yLabel: "loss",
    format: (v) => num(view.log ? 10 ** v : v),
    series: [
      { label: "training loss", stroke: "#1f77b4" },
      // The page's text colour: unlike any rule's marker colour, in light and dark mode.
      { label: "validation loss", stroke: themeColours().fg, dots: true },
    ],
    hooks: { drawClear: [shade], draw: [lines] },
  });
  const lr = createChart(lrBox, {
    yLabel: "learning rate",
    log: true,
    series: [
      { label: "effective LR", stroke: themeColours().fg, holds: true },
      { label: "what-if LR", stroke: WHAT_IF_STROKE, dash: [6, 4], stepped: true, holds: true },
    ],
    hooks: { drawClear: [shade], draw: [lines, diamonds, placeButtons] },
  });

  /** @param {string} rule */
  function colour(rule) {
    return curves?.ruleColours?.[rule] ?? "#555555";
  }

  /** Puts each decision's button at (step, LR after) on the LR chart. */
  function placeButtons() {
    const { width, height } = lr.over.getBoundingClientRect();
    for (const m of curves?.markers ?? []) {
      const button = buttons.get(m.decision.index);
      if (!button) continue;
      const left = lr.valToPos(m.step, "x");
      const top = Math.min(height, Math.max(0, lr.valToPos(m.decision.lr, "y")));
      button.style.left = `${left}px`;
      button.style.top = `${top}px`;
      button.hidden = !(left >= 0 && left <= width);
    }
  }

  /** Creates the buttons of new markers; keeps the others (and their focus). */
  function syncButtons() {
    const wanted = new Set();
    for (const m of curves.markers) {
      wanted.add(m.decision.index);
      if (buttons.has(m.decision.index)) continue;
      const label = `${m.rule} at step ${m.step}: m ${num(m.decision.mBefore, 3)} → ${
        num(m.decision.mAfter, 3)
      }`;
      const button = el("button", {
        type: "button",
        class: "marker",
        title: label,
        "aria-label": label,
        "data-rule": m.rule,
        "data-index": m.decision.index,
      });
      button.style.background = colour(m.rule);
      button.addEventListener("mousedown", (event) => event.stopPropagation());
      button.addEventListener("click", () => {
        for (const b of buttons.values()) b.removeAttribute("aria-pressed");
        button.setAttribute("aria-pressed", "true");
        onSelect(m.decision);
      });
      buttons.set(m.decision.index, button);
      lr.over.append(button);
    }
    for (const [index, button] of buttons) {
      if (!wanted.has(index)) (button.remove(), buttons.delete(index));
    }
  }

  function redraw() {
    if (!curves) return;
    const last = lastStep(curves);
    setCurves(loss, align([lossView(curves.train, view), lossView(curves.val, view, false)]), last);
    const empty = { step: [], value: [] };
    setCurves(lr, align([curves.lr, whatIf?.lr ?? empty]), last);
    if (lr.series[2].show !== !!whatIf) lr.setSeries(2, { show: !!whatIf });
    syncButtons();
    placeButtons();
  }

  return {
    /** @param {any} next the body of `GET /v1/runs/{id}/curves` */
    update(next) {
      curves = next;
      redraw();
    },
    /** @param {WhatIf | null} next a what-if's LR and decisions; null removes the overlay */
    setWhatIf(next) {
      whatIf = next;
      redraw();
    },
  };
}
