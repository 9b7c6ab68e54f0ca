// @ts-check
/// <reference lib="dom" />
/**
 * How the run page draws its loss: an exponential moving average (as TensorBoard's and W&B's
 * smoothing slider) and a log axis, so that the narrow band where trials happen is not squashed
 * by the first steps' high loss. Only the drawing changes; downloads keep the recorded values.
 *
 * @module
 */

import { byId } from "./common.js";

/** @typedef {import("./charts.js").Columns} Columns */
/** @typedef {{ smoothing: number, log: boolean }} LossView */

/**
 * Wires the page's smoothing slider and log checkbox; `onChange` redraws.
 *
 * @param {() => void} onChange
 * @returns {LossView} the current settings, kept up to date
 */
export function lossViewControls(onChange) {
  /** @type {LossView} */
  const view = { smoothing: 0, log: false };
  const slider = document.getElementById("smoothing");
  const log = document.getElementById("log-loss");
  if (!(slider instanceof HTMLInputElement) || !(log instanceof HTMLInputElement)) return view;
  const shown = byId("smoothing-value", HTMLOutputElement);
  slider.addEventListener("input", () => {
    view.smoothing = Number(slider.value);
    shown.value = slider.value;
    onChange();
  });
  log.addEventListener("change", () => {
    view.log = log.checked;
    onChange();
  });
  return view;
}

/**
 * The loss as drawn: smoothed (debiased EMA, so the first points are not pulled toward 0), then
 * log10 when the axis is logarithmic (the chart formats ticks and readouts back to losses).
 *
 * @param {Columns} columns
 * @param {LossView} view
 * @param {boolean} [smooth] false for sparse curves (validation) that should not be smoothed
 * @returns {Columns}
 */
export function lossView(columns, view, smooth = true) {
  let value = columns.value;
  if (smooth && view.smoothing > 0) {
    const a = view.smoothing;
    let ema = 0;
    let weight = 0;
    value = value.map((x) => {
      if (!Number.isFinite(x)) return x;
      ema = a * ema + (1 - a) * x;
      weight = a * weight + (1 - a);
      return ema / weight;
    });
  }
  if (view.log) value = value.map((x) => (x > 0 ? Math.log10(x) : NaN));
  return { step: columns.step, value };
}
