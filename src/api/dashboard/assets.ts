/**
 * Static assets of the dashboard: its own ES modules and stylesheet (hand-written JavaScript,
 * checked by `deno check` through `// @ts-check`, served as they are), uPlot's files from its npm
 * package.
 *
 * @module
 */

// A type-only import keeps uplot in the module graph, so `deno run` installs the package (with
// `nodeModulesDir: "auto"`) even though only its files are served, never run here.
import type _uPlot from "uplot";
import { Hono } from "hono";
import { z } from "zod";
import { ApiError } from "../errors.ts";
import { errorResponses } from "../responses.ts";
import type { RouteDoc } from "../route_doc.ts";

const STATIC_DIR = new URL("./static/", import.meta.url);
/** Our files: lower-case names, no paths, so nothing outside the folder can be asked for. */
const OWN_FILE = /^[a-z_]+\.(js|css)$/;

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

/**
 * uPlot's browser files, found through its npm package. A Map, not an object: a name such as
 * `toString` or `constructor` must be unknown, not an inherited property.
 */
const VENDOR = new Map([
  ["uPlot.esm.js", "uplot/dist/uPlot.esm.js"],
  ["uPlot.min.css", "uplot/dist/uPlot.min.css"],
]);

async function serveFile(url: URL, cacheControl: string): Promise<Response> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await Deno.readFile(url);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new ApiError(404, `No file ${url.pathname}`);
    throw err;
  }
  const ext = url.pathname.split(".").at(-1) ?? "";
  return new Response(bytes, {
    headers: {
      "content-type": Object.hasOwn(CONTENT_TYPES, ext)
        ? CONTENT_TYPES[ext]
        : "application/octet-stream",
      "cache-control": cacheControl,
      "x-content-type-options": "nosniff",
    },
  });
}

/** `/static/dashboard/*` and `/static/vendor/*`. */
export function assetRoutes(): Hono {
  const app = new Hono();
  app.get("/static/dashboard/:file", (c) => {
    const file = c.req.param("file");
    if (!OWN_FILE.test(file)) throw new ApiError(404, `No dashboard file ${file}`);
    return serveFile(new URL(file, STATIC_DIR), "no-cache");
  });
  app.get("/static/vendor/:file", (c) => {
    const specifier = VENDOR.get(c.req.param("file"));
    if (!specifier) throw new ApiError(404, `No vendor file ${c.req.param("file")}`);
    return serveFile(new URL(import.meta.resolve(specifier)), "public, max-age=86400");
  });
  return app;
}

const ASSET = { description: "The file", schema: z.string(), contentType: "text/plain" };

/** The static files' routes, as the OpenAPI document and `/docs` show them. */
export const ASSET_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/static/dashboard/{file}",
    operationId: "dashboardAsset",
    summary: "The dashboard's scripts and stylesheet",
    description: "Hand-written ES modules and CSS, served as they are.",
    responses: { "200": ASSET, ...errorResponses([404]) },
  },
  {
    method: "get",
    path: "/static/vendor/{file}",
    operationId: "vendorAsset",
    summary: "uPlot's browser files, from its npm package",
    description: "`uPlot.esm.js` and `uPlot.min.css`.",
    responses: { "200": ASSET, ...errorResponses([404]) },
  },
];
