/**
 * The HTTP API.
 *
 * @module
 */

export { type AppOptions, createApp } from "./app.ts";
export { openApiDocument } from "./openapi.ts";
