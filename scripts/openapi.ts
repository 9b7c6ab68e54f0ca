/**
 * Writes the OpenAPI document, as `GET /openapi.json` serves it, without starting the service:
 * for linters and client generators.
 *
 *     deno task openapi [--out openapi.json]
 *
 * @module
 */

import { openApiDocument, ROUTE_DOCS } from "../src/api/mod.ts";
import { parseCommandLine } from "../src/cli/mod.ts";

const { values } = parseCommandLine({
  usage: "deno task openapi [--out openapi.json]",
  about: "Writes the OpenAPI document that GET /openapi.json serves, without a service.",
  flags: { out: { kind: "string", help: "file to write [standard output]" } },
});
const text = JSON.stringify(openApiDocument(ROUTE_DOCS), null, 2) + "\n";
if (values.out) await Deno.writeTextFile(values.out, text);
else console.log(text);
