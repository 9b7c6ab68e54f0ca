/**
 * `GET /v1/examples`: the run definitions in the service's `examples/` folder, for the
 * dashboard's "new run" form and for anyone choosing a starting point.
 *
 * @module
 */

import { Hono } from "hono";
import { ExamplesSchema } from "./responses.ts";
import type { RouteDoc } from "./route_doc.ts";

const EXAMPLES_DIR = new URL("../../examples/", import.meta.url);

/**
 * Reads the example run definitions.
 *
 * @returns each JSON file of `examples/`, by file name, sorted
 */
export async function readExamples(): Promise<{ file: string; definition: unknown }[]> {
  const out: { file: string; definition: unknown }[] = [];
  for await (const entry of Deno.readDir(EXAMPLES_DIR)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const text = await Deno.readTextFile(new URL(entry.name, EXAMPLES_DIR));
    out.push({ file: entry.name, definition: JSON.parse(text) });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

/** `GET /v1/examples`. */
export function exampleRoutes(): Hono {
  const app = new Hono();
  app.get("/v1/examples", async (c) => c.json({ examples: await readExamples() }));
  return app;
}

/** The examples route, as the OpenAPI document and `/docs` show it. */
export const EXAMPLE_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/examples",
    operationId: "listExamples",
    summary: "Example run definitions",
    description: "The JSON files of the service's `examples/` folder, ready to post to `/v1/runs`.",
    responses: { "200": { description: "The examples", schema: ExamplesSchema } },
  },
];
