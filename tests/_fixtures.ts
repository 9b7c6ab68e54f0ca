/**
 * Shared test fixtures: an in-memory store, an app over it, and small run definitions.
 *
 * @module
 */

import { type AppOptions, createApp } from "../src/api/mod.ts";
import { EventStore, RunDefinitionSchema } from "../src/events/mod.ts";

/** An event store on an in-memory KV; close it with `store.kv.close()`. */
export async function memoryStore(): Promise<EventStore> {
  return new EventStore(await Deno.openKv(":memory:"));
}

/** An app over a fresh in-memory store, disposable with `using`. */
export async function testApp(opts: AppOptions = {}) {
  const store = await memoryStore();
  const app = createApp(store, opts);
  return {
    store,
    app,
    /** JSON request helper: returns status and parsed body. */
    async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
      const res = await app.request(path, {
        method,
        headers: { "content-type": "application/json", ...headers },
        body: body === undefined
          ? undefined
          : typeof body === "string"
          ? body
          : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text.startsWith("{") ? JSON.parse(text) : text, res };
    },
    [Symbol.dispose]: () => store.kv.close(),
  };
}

/** An external run definition with a small window. */
export function externalDefinition(steps = 100, window = 5) {
  return RunDefinitionSchema.parse({
    mode: "external",
    training: { steps },
    optimizer: { lr: 1e-3 },
    schedule: { kind: "constant" },
    adalrs: { window, searchStart: 0, searchEnd: 1 },
  });
}
