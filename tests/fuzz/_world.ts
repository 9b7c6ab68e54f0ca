/**
 * A small store with one run of each kind, for the endpoint fuzzers to aim at.
 *
 * @module
 */

import { createApp } from "../../src/api/mod.ts";
import { EventStore, RunDefinitionSchema } from "../../src/events/mod.ts";

/** The runs a fuzzer targets: their ids, and the app and store around them. */
export interface World {
  store: EventStore;
  app: ReturnType<typeof createApp>;
  /** An external run with decisions recorded, still taking losses. */
  external: string;
  /** A managed run nobody trains (no worker here). */
  managed: string;
  /** A cancelled run. */
  cancelled: string;
  /** Sends a request with a raw body; `undefined` sends none. */
  send(method: string, path: string, body?: string, headers?: HeadersInit): Promise<Response>;
  [Symbol.dispose](): void;
}

/** An external definition with a window of 5, searching from the first step. */
export const EXTERNAL = {
  mode: "external",
  training: { steps: 200 },
  optimizer: { lr: 1e-4 },
  schedule: { kind: "constant" },
  adalrs: { window: 5, searchStart: 0, searchEnd: 1 },
};

/** Builds the world on an in-memory store, with `token` protecting writes when given. */
export async function world(token?: string): Promise<World> {
  const store = new EventStore(await Deno.openKv(":memory:"));
  const app = createApp(store, { token });
  const external = (await store.create(RunDefinitionSchema.parse(EXTERNAL))).id;
  const managed = (await store.create(RunDefinitionSchema.parse({
    model: { kind: "synthetic" },
    training: { steps: 100 },
    optimizer: { lr: 1e-3 },
  }))).id;
  const cancelled = (await store.create(RunDefinitionSchema.parse(EXTERNAL))).id;
  await store.append(cancelled, [{ type: "RunCancelled", data: { step: 0, reason: "fixture" } }], {
    expectedSeq: 0,
  });
  const send = (method: string, path: string, body?: string, headers: HeadersInit = {}) =>
    Promise.resolve(app.request(path, {
      method,
      body,
      headers: { "content-type": "application/json", ...headers },
    }));
  // Falling losses at a too-small LR: the controller decides, and starts upscale trials.
  for (let from = 0; from < 30; from += 5) {
    const losses = Array.from({ length: 5 }, (_, i) => 5 - 0.01 * (from + i) ** 0.9);
    await send("POST", `/v1/runs/${external}/losses`, JSON.stringify({ fromStep: from, losses }), {
      authorization: `Bearer ${token}`,
    });
  }
  return {
    store,
    app,
    external,
    managed,
    cancelled,
    send,
    [Symbol.dispose]: () => store.kv.close(),
  };
}
