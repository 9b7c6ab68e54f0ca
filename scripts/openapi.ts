/**
 * Writes the OpenAPI document, as `GET /openapi.json` serves it, without starting the service:
 * for linters and client generators.
 *
 *     deno task openapi [--out openapi.json]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { openApiDocument } from "../src/api/mod.ts";

const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
const text = JSON.stringify(openApiDocument(), null, 2) + "\n";
if (values.out) await Deno.writeTextFile(values.out, text);
else console.log(text);
