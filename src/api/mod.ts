/**
 * The HTTP API.
 *
 * @module
 */

export { type AppOptions, createApp, ROUTE_DOCS } from "./app.ts";
export { openApiDocument } from "./openapi.ts";
