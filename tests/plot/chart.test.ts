import assert from "node:assert/strict";
import { chartSvg, stackSvg } from "../../src/plot/mod.ts";

Deno.test("chartSvg() draws log axes with decade ticks and skips non-positive points", () => {
  const svg = chartSvg({
    title: "a & b",
    x: { label: "x" },
    y: { label: "lr", log: true },
    series: [{ name: "s", colour: "#000", points: [[0, 1e-4], [1, 0], [2, 1e-2]] }],
  });
  assert.match(svg, /a &amp; b/);
  assert.match(svg, />1e-3</);
  assert.match(svg, /<path d="M[\d.]+,[\d.]+L[\d.]+,[\d.]+" fill="none"/, "two points, not three");
});

Deno.test("stackSvg() puts each chart below the one before, in a document as tall as all", () => {
  const chart = (id: string, height: number) =>
    chartSvg({
      id,
      title: id,
      height,
      x: { label: "step" },
      y: { label: "loss" },
      series: [{ name: id, colour: "#000", points: [[0, 1], [1, 2]] }],
    });
  const [top, bottom] = [chart("top", 200), chart("bottom", 100)];
  const height = (svg: string) => Number(svg.match(/^<svg [^>]*height="(\d+)"/)![1]);
  const svg = stackSvg([top, bottom]);
  const total = height(top) + height(bottom);
  assert.ok(
    svg.startsWith(`<svg xmlns="http://www.w3.org/2000/svg" width="960" height="${total}"`),
  );
  assert.ok(svg.includes(top), "the first chart stays where it is");
  assert.ok(svg.includes(bottom.replace("<svg ", `<svg y="${height(top)}" `)));
  assert.ok(svg.endsWith("</svg>\n</svg>\n"));
});

Deno.test("stackSvg() names a chart that is not an SVG document", () => {
  assert.throws(() =>
    stackSvg([
      chartSvg({
        title: "ok",
        x: { label: "x" },
        y: { label: "y" },
        series: [],
      }),
      "<p>no</p>",
    ]), /^Error: Chart 1 is not an SVG document with a width and a height$/);
});
