/**
 * The OpenAPI document, generated from the routes' docs (beside each handler) and the same zod
 * schemas that validate requests.
 *
 * @module
 */

import { z } from "zod";
import { RunDefinitionSchema } from "../events/mod.ts";
import type { RouteDoc } from "./route_doc.ts";
import { CancelRequestSchema, ReplayRequestSchema } from "./schemas.ts";

const COMPONENTS = "#/components/schemas/";

/**
 * The OpenAPI 3.1 document of the API.
 *
 * @param routes every route's docs (the app's `ROUTE_DOCS`)
 */
export function openApiDocument(routes: readonly RouteDoc[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name,
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = Object.entries(route.query?.shape ?? {}).map(([name, schema]) => ({
      name,
      in: "query",
      required: false,
      schema: jsonSchema(schema as z.ZodType, "input"),
    }));
    const headers = (route.headers ?? []).map((h) => ({
      name: h.name,
      in: "header",
      required: false,
      description: h.description,
      schema: jsonSchema(h.schema, "input"),
    }));
    paths[route.path] ??= {};
    paths[route.path][route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: [route.path.startsWith("/v1/") ? "runs" : "service"],
      // Reads are open; writes need the token when the service has one.
      security: route.method === "post" ? [{ bearer: [] }] : [],
      parameters: [...params, ...query, ...headers],
      ...(route.body && {
        requestBody: {
          required: route.body !== CancelRequestSchema && route.body !== ReplayRequestSchema,
          content: { "application/json": { schema: requestSchema(route.body) } },
        },
      }),
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([code, r]) => [code, {
          description: r.description,
          content: { [r.contentType ?? "application/json"]: { schema: responseSchema(r.schema) } },
        }]),
      ),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "adalrs",
      version: "1",
      description: "Pretraining with online learning-rate search (AdaLRS); every LR decision " +
        "is an auditable, replayable event.",
    },
    servers: [{ url: "/", description: "The service that serves this document" }],
    tags: [
      { name: "runs", description: "Runs, their events, decisions and losses" },
      { name: "service", description: "Liveness, contract and dashboard pages" },
    ],
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "Checked on every write when the service runs with `ADALRS_TOKEN`; " +
            "without it, writes pass with or without a token.",
        },
      },
      schemas: {
        RunDefinition: jsonSchema(RunDefinitionSchema, "input"),
        ...responseComponents(),
      },
    },
    paths,
  };
}

/** A request body's schema; the run definition is a shared component. */
function requestSchema(schema: z.ZodType): unknown {
  return schema === RunDefinitionSchema
    ? { $ref: `${COMPONENTS}RunDefinition` }
    : jsonSchema(schema, "input");
}

/** A response body's schema: a reference when it is a named component, else inline. */
function responseSchema(schema: z.ZodType): unknown {
  const id = z.globalRegistry.get(schema)?.id;
  return id ? { $ref: `${COMPONENTS}${id}` } : jsonSchema(schema, "output");
}

/** Every schema with a `meta({ id })`, as components that reference each other. */
function responseComponents(): Record<string, unknown> {
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    io: "output",
    unrepresentable: "any",
    uri: (id) => `${COMPONENTS}${id}`,
  });
  const out: Record<string, unknown> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    // Components are named by their key; a `$id` next to it only confuses linters.
    const { $schema: _, $id: _id, id: _name, ...rest } = schema as Record<string, unknown>;
    out[id] = rest;
  }
  // A run's definition is the resolved run definition: point at its component.
  for (const id of ["RunView", "CreatedRun"]) {
    const view = out[id] as { properties: Record<string, unknown> };
    view.properties.definition = { $ref: `${COMPONENTS}RunDefinition` };
  }
  return out;
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): unknown {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" });
  return rest;
}
