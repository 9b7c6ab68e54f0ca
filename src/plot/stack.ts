/**
 * Several charts of `chartSvg` (chart.ts) as one SVG document, one under the other.
 *
 * @module
 */

/**
 * Stacks chart documents vertically: the result is as wide as the widest and as tall as all of
 * them. Charts drawn for one document need different `id`s, or their clip paths collide.
 *
 * @param charts SVG documents as `chartSvg` writes them
 * @returns one SVG document
 * @throws Error when a chart does not start with an `<svg` element that has a width and height
 */
export function stackSvg(charts: string[]): string {
  let top = 0;
  let width = 0;
  const placed = charts.map((chart, i) => {
    const size = chart.match(/^<svg [^>]*?width="(\d+)" height="(\d+)"/);
    if (!size) throw new Error(`Chart ${i} is not an SVG document with a width and a height`);
    const placedAt = top === 0 ? chart : chart.replace("<svg ", `<svg y="${top}" `);
    top += Number(size[2]);
    width = Math.max(width, Number(size[1]));
    return placedAt;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top}" ` +
    `viewBox="0 0 ${width} ${top}">\n${placed.join("")}</svg>\n`;
}
