/**
 * Small lookups shared by the routes: a run that must exist, a query string that must parse.
 *
 * @module
 */

import type { Context } from "hono";
import { z } from "zod";
import { type EventStore, isRunId, type RunView } from "../events/mod.ts";
import { ApiError, validationError } from "./errors.ts";

/** The run's view, or a 404 naming the id. */
export async function mustGetRun(store: EventStore, id: string): Promise<RunView> {
  const view = await store.get(id);
  if (view === null) throw new ApiError(404, `Run ${quoteId(id)} does not exist`);
  return view;
}

/** An id as error messages show it: a hostile one is cut short and its control bytes escaped. */
export function quoteId(id: string): string {
  return isRunId(id) ? id : JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
}

/** The query string validated by `schema`, or a 400 listing every problem. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw validationError("query", parsed.error);
  return parsed.data;
}

/** What an idempotency key may be, in a header or a body: 1-200 characters. */
export const IdempotencyKeySchema = z.string().min(1).max(200);

/**
 * An optional header validated by `schema`, or a 400 naming the header and what is wrong with it.
 *
 * @param header the header's value, undefined when absent
 * @param schema what it may be
 * @param name the header's name, for the error
 */
export function readHeader<S extends z.ZodType>(
  header: string | undefined,
  schema: S,
  name: string,
): z.output<S> | undefined {
  if (header === undefined) return undefined;
  const parsed = schema.safeParse(header);
  if (!parsed.success) throw validationError(`${name} header`, parsed.error);
  return parsed.data;
}

/** The `Idempotency-Key` header, or a 400 naming what is wrong with it. */
export function readIdempotencyKey(header: string | undefined): string | undefined {
  return readHeader(header, IdempotencyKeySchema, "Idempotency-Key");
}
