/**
 * The contract's routes: `/openapi.json`, and human-readable API docs at `/docs`, rendered on
 * the server from the OpenAPI document: no script, no CDN.
 *
 * @module
 */

import { Hono } from "hono";
import { z } from "zod";
import { curlExample } from "./docs_examples.ts";
import { openApiDocument } from "./openapi.ts";
import { json, type RouteDoc } from "./route_doc.ts";

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);

/** Escapes prose and renders its `backticked` spans as code, as the descriptions are written. */
export function prose(s: string): string {
  return escape(s).replace(/`([^`]+)`/g, "<code>$1</code>");
}

/**
 * `GET /openapi.json` and `GET /docs`.
 *
 * @param routes every route's docs (the app's `ROUTE_DOCS`)
 */
export function contractRoutes(routes: readonly RouteDoc[]): Hono {
  const app = new Hono();
  // Built once: the routes do not change while the service runs.
  const document = openApiDocument(routes);
  const page = docsPage(routes);
  app.get("/openapi.json", (c) => c.json(document));
  app.get("/docs", (c) => c.html(page));
  return app;
}

/**
 * The `/docs` page.
 *
 * @param routes every route's docs (the app's `ROUTE_DOCS`)
 */
export function docsPage(routes: readonly RouteDoc[]): string {
  const doc = openApiDocument(routes) as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: { schemas: Record<string, unknown> };
  };
  // A shared request schema (the run definition) is a $ref: show what it points at.
  const resolve = (schema: unknown) => {
    const ref = (schema as { $ref?: string } | undefined)?.$ref;
    return ref ? doc.components.schemas[ref.split("/").at(-1)!] : schema;
  };
  const sections = routes.map((route) => {
    const op = doc.paths[route.path][route.method];
    const body = resolve(
      (op.requestBody as { content: Record<string, { schema: unknown }> } | undefined)
        ?.content["application/json"].schema,
    );
    const responses = Object.entries(route.responses)
      .map(([code, r]) => `<li><code>${code}</code> ${prose(r.description)}</li>`).join("");
    return `<section id="${route.method}-${escape(route.path)}">
<h2><code>${route.method.toUpperCase()} ${escape(route.path)}</code></h2>
<p><strong>${prose(route.summary)}.</strong> ${prose(route.description)}</p>
<p class="example-h">Example request:</p>
<pre class="example"><code>${escape(curlExample(route))}</code></pre>
${
      body
        ? `<details><summary>Request body schema</summary><pre>${
          escape(JSON.stringify(body, null, 2))
        }</pre></details>`
        : ""
    }
<ul>${responses}</ul></section>`;
  }).join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>adalrs API</title>
<link rel="icon" href="data:,">
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
pre{background:#f4f4f4;padding:.75rem;overflow:auto;max-height:30rem}h2{font-size:1.05rem;margin-top:2rem}
code{background:#f0f0f2;padding:0 .2rem;border-radius:3px}pre code{background:none;padding:0}
.example-h{margin-bottom:.2rem}:root{color-scheme:light dark}
@media (prefers-color-scheme:dark){body{background:#17181b;color:#e6e6e9}a{color:#7fb0ff}
pre,code{background:#222328}}</style>
</head><body><nav class="back"><a href="/">← Dashboard</a></nav><main><h1>adalrs API (v1)</h1>
<p>Machine-readable contract: <a href="/openapi.json">/openapi.json</a>. Errors are
<code>{ "error": { "status", "message", "issues"? } }</code>. When the service runs with
<code>ADALRS_TOKEN</code>, every write needs <code>Authorization: Bearer &lt;token&gt;</code>.</p>
<nav><ul>${
    routes.map((r) =>
      `<li><a href="#${r.method}-${escape(r.path)}">${r.method.toUpperCase()} ${
        escape(r.path)
      }</a></li>`
    ).join("")
  }</ul></nav>
${sections}</main></body></html>`;
}

/** The contract's routes, as the OpenAPI document and `/docs` show them. */
export const CONTRACT_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/openapi.json",
    operationId: "openApi",
    summary: "This document",
    description: "The OpenAPI 3.1 contract, generated from the schemas that validate requests " +
      "and answers.",
    responses: { "200": json("The document", z.record(z.string(), z.unknown())) },
  },
  {
    method: "get",
    path: "/docs",
    operationId: "apiDocs",
    summary: "This API's documentation as HTML",
    description: "Every route with an example request, its body's schema and its answers.",
    responses: { "200": { description: "The page", schema: z.string(), contentType: "text/html" } },
  },
];
