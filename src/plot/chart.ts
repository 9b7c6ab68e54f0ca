/**
 * A small line-chart renderer producing standalone SVG: white background, grey frame,
 * sans-serif 11px, ticks on the left and bottom, a legend underneath. Linear or log axes; lines,
 * dots, markers, segments and shaded x-ranges. Lines, segments and bands are clipped to the
 * frame; markers are not (a cross on the top edge stays whole). The run plot (`task train`,
 * replay, the experiment's run pages) and the experiment's sweep plots are all drawn with it.
 *
 * @module
 */

/** One axis: its label, whether it is logarithmic, and an optional fixed range. */
export interface Axis {
  label: string;
  log?: boolean;
  min?: number;
  max?: number;
}

/** A line through points, in data coordinates. */
export interface Series {
  name: string;
  colour: string;
  points: [number, number][];
  dash?: boolean;
  width?: number;
  /** Draw a dot at each point too. */
  dots?: boolean;
  /** Leave it out of the legend. */
  unlisted?: boolean;
}

/** A single point drawn as a symbol, with a hover title. */
export interface Marker {
  x: number;
  y: number;
  colour: string;
  title: string;
  shape?: "dot" | "ring" | "cross";
  size?: number;
}

/** A straight line between two data points, e.g. an arrow from a start to an end. */
export interface Segment {
  from: [number, number];
  to: [number, number];
  colour: string;
  dash?: boolean;
}

/** A whole chart. */
export interface ChartSpec {
  title: string;
  x: Axis;
  y: Axis;
  series: Series[];
  markers?: Marker[];
  segments?: Segment[];
  /** Shaded ranges of x, the plot's full height (e.g. abandoned stretches of a run). */
  bands?: { from: number; to: number; colour: string; title: string }[];
  /** Extra legend entries (e.g. marker kinds). */
  legend?: { name: string; colour: string; shape?: "line" | "dot" }[];
  width?: number;
  height?: number;
  /** Id of the chart's clip path; charts nested in one document need different ones. */
  id?: string;
}

const LEFT = 70;
const RIGHT = 20;
const TOP = 40;
const BOTTOM = 44;
const LEGEND_COLUMN = 180;
const LEGEND_ROW = 16;

/**
 * Renders a chart as an SVG document. Points outside a fixed axis range are clipped; points
 * that are not finite (or not positive on a log axis) are skipped.
 *
 * @param spec what to draw
 * @returns the SVG text
 */
export function chartSvg(spec: ChartSpec): string {
  const W = spec.width ?? 960;
  const clip = spec.id ?? "plot";
  const plotH = spec.height ?? 360;
  const xs = collect(spec, 0, spec.x.log);
  const ys = collect(spec, 1, spec.y.log);
  const x = scale(spec.x, xs, LEFT, W - RIGHT);
  const y = scale(spec.y, ys, TOP + plotH, TOP);
  const legend = [
    ...spec.series.filter((s) => !s.unlisted).map((s) => ({
      name: s.name,
      colour: s.colour,
      shape: "line" as const,
      dash: s.dash,
    })),
    ...(spec.legend ?? []).map((l) => ({ ...l, shape: l.shape ?? "dot", dash: false })),
  ];
  const longest = Math.max(0, ...legend.map((l) => l.name.length));
  const column = Math.max(LEGEND_COLUMN, 40 + 6.5 * longest);
  const perRow = Math.max(1, Math.floor((W - LEFT - RIGHT) / column));
  const legendTop = TOP + plotH + BOTTOM;
  const H = legendTop + Math.ceil(legend.length / perRow) * LEGEND_ROW + 10;
  const ok = (p: [number, number]) => valid(p[0], spec.x.log) && valid(p[1], spec.y.log);
  const at = (p: [number, number]) => `${x.to(p[0]).toFixed(1)},${y.to(p[1]).toFixed(1)}`;

  const lines = spec.series.map((s) => {
    const pts = s.points.filter(ok);
    const d = pts.map((p, i) => `${i ? "L" : "M"}${at(p)}`).join("");
    const dots = s.dots
      ? pts.map((p) =>
        `<circle cx="${x.to(p[0]).toFixed(1)}" cy="${
          y.to(p[1]).toFixed(1)
        }" r="3" fill="${s.colour}"/>`
      ).join("")
      : "";
    const dash = s.dash ? ` stroke-dasharray="6 4"` : "";
    return `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${
      s.width ?? 1.5
    }"${dash}><title>${escapeXml(s.name)}</title></path>${dots}`;
  });
  const segments = (spec.segments ?? []).filter((s) => ok(s.from) && ok(s.to)).map((s) =>
    `<path d="M${at(s.from)}L${at(s.to)}" stroke="${s.colour}" stroke-width="1.2"${
      s.dash ? ` stroke-dasharray="4 3"` : ""
    }/>`
  );
  const bands = (spec.bands ?? []).map((b) => {
    const from = x.to(b.from);
    const width = Math.max(1, x.to(b.to) - from);
    return `<rect x="${from.toFixed(1)}" y="${TOP}" width="${
      width.toFixed(1)
    }" height="${plotH}" ` +
      `fill="${b.colour}" opacity="0.2"><title>${escapeXml(b.title)}</title></rect>`;
  });
  const markers = (spec.markers ?? []).filter((m) => ok([m.x, m.y])).map((m) =>
    symbol(m.shape ?? "dot", x.to(m.x), y.to(m.y), m.colour, m.size ?? 4, m.title)
  );
  const xTicks = x.ticks.map((v) =>
    `<text x="${x.to(v).toFixed(1)}" y="${TOP + plotH + 16}" text-anchor="middle">${
      x.format(v)
    }</text>`
  );
  const yTicks = y.ticks.map((v) =>
    `<text x="${LEFT - 6}" y="${(y.to(v) + 4).toFixed(1)}" text-anchor="end">${
      y.format(v)
    }</text><line x1="${LEFT}" x2="${W - RIGHT}" y1="${y.to(v).toFixed(1)}" y2="${
      y.to(v).toFixed(1)
    }" stroke="#eee"/>`
  );
  const legendItems = legend.map((l, i) => {
    const lx = LEFT + (i % perRow) * column;
    const ly = legendTop + Math.floor(i / perRow) * LEGEND_ROW;
    const mark = l.shape === "line"
      ? `<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${l.colour}" ` +
        `stroke-width="2"${l.dash ? ` stroke-dasharray="6 4"` : ""}/>`
      : `<circle cx="${lx + 11}" cy="${ly - 4}" r="4" fill="${l.colour}"/>`;
    return `${mark}<text x="${lx + 28}" y="${ly}">${escapeXml(l.name)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<defs><clipPath id="${clip}"><rect x="${LEFT}" y="${TOP}" width="${
    W - LEFT - RIGHT
  }" height="${plotH}"/></clipPath></defs>
<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${escapeXml(spec.title)}</text>
${yTicks.join("")}
<rect x="${LEFT}" y="${TOP}" width="${
    W - LEFT - RIGHT
  }" height="${plotH}" fill="none" stroke="#ccc"/>
<g clip-path="url(#${clip})">
${bands.join("\n")}
${lines.join("\n")}
${segments.join("\n")}
</g>
${markers.join("\n")}
${xTicks.join("")}
<text x="${(W + LEFT) / 2}" y="${TOP + plotH + 32}" text-anchor="middle">${
    escapeXml(spec.x.label)
  }</text>
<text transform="translate(16 ${TOP + plotH / 2}) rotate(-90)" text-anchor="middle">${
    escapeXml(spec.y.label)
  }</text>
${legendItems.join("\n")}
</svg>
`;
}

/**
 * Escapes text for SVG content and attributes.
 *
 * @param s the text
 */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

interface Scale {
  to: (v: number) => number;
  ticks: number[];
  format: (v: number) => string;
}

function valid(v: number, log?: boolean): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

function collect(spec: ChartSpec, i: 0 | 1, log?: boolean): number[] {
  const out: number[] = [];
  for (const s of spec.series) for (const p of s.points) out.push(p[i]);
  for (const m of spec.markers ?? []) out.push(i === 0 ? m.x : m.y);
  for (const s of spec.segments ?? []) out.push(s.from[i], s.to[i]);
  return out.filter((v) => valid(v, log));
}

function scale(axis: Axis, values: number[], from: number, to: number): Scale {
  const t = axis.log ? Math.log10 : (v: number) => v;
  const lows = values.map(t);
  let lo = axis.min !== undefined ? t(axis.min) : lows.length ? Math.min(...lows) : 0;
  let hi = axis.max !== undefined ? t(axis.max) : lows.length ? Math.max(...lows) : 1;
  if (hi - lo < 1e-12) [lo, hi] = [lo - (axis.log ? 0.5 : 0.5 * Math.abs(lo) || 1), hi + 0.5];
  const pad = axis.log && axis.min === undefined ? (hi - lo) * 0.04 : 0;
  [lo, hi] = [lo - pad, hi + pad];
  const map = (v: number) => from + ((t(v) - lo) / (hi - lo)) * (to - from);
  if (axis.log) {
    const ticks: number[] = [];
    const step = hi - lo > 6 ? 2 : 1;
    for (let e = Math.ceil(lo); e <= hi; e += step) ticks.push(10 ** e);
    if (hi - lo < 2) {
      for (let e = Math.floor(lo); e <= hi; e++) {
        for (const m of [2, 5]) {
          if (Math.log10(m * 10 ** e) >= lo && Math.log10(m * 10 ** e) <= hi) {
            ticks.push(m * 10 ** e);
          }
        }
      }
    }
    return { to: map, ticks: ticks.sort((a, b) => a - b), format: (v) => v.toExponential(0) };
  }
  const step = niceStep((hi - lo) / 5);
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(v);
  return { to: map, ticks, format: (v) => String(+v.toFixed(6)) };
}

function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

function symbol(
  shape: "dot" | "ring" | "cross",
  cx: number,
  cy: number,
  colour: string,
  r: number,
  title: string,
): string {
  const t = `<title>${escapeXml(title)}</title>`;
  const at = `cx="${cx.toFixed(1)}" cy="${cy.toFixed(1)}" r="${r}"`;
  if (shape === "dot") return `<circle ${at} fill="${colour}" stroke="white">${t}</circle>`;
  if (shape === "ring") {
    return `<circle ${at} fill="white" stroke="${colour}" stroke-width="2">${t}</circle>`;
  }
  const d = `M${cx - r},${cy - r}L${cx + r},${cy + r}M${cx - r},${cy + r}L${cx + r},${cy - r}`;
  return `<path d="${d}" stroke="${colour}" stroke-width="2">${t}</path>`;
}
