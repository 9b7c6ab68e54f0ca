/**
 * Liveness and readiness. `/health` answers while the process serves requests and its store
 * answers a read; `/ready` says whether it can do its work: a store write that reads back, a
 * store file that is still the one opened, free disk space, and a live worker when the service
 * runs workers. Each check is reported, so a 503 says what is wrong.
 *
 * @module
 */

import { statfs } from "node:fs/promises";
import { Hono } from "hono";
import { type EventStore, listWorkers, retryLocked, type StoreFileWatch } from "../events/mod.ts";
import { errorResponses, HealthSchema, ReadySchema } from "./responses.ts";
import { json, type RouteDoc } from "./route_doc.ts";

/** Options of {@linkcode healthRoutes}. */
export interface ReadinessOptions {
  /** The local store file, to notice it being removed or replaced. */
  storeFile?: StoreFileWatch;
  /** The folder whose disk holds the store and checkpoints. */
  dataDir?: string;
  /** Free bytes below which the service is not ready. @default 64 MiB */
  minFreeBytes?: number;
  /** How many workers the service runs: with any, one must be alive. @default 0 */
  expectedWorkers?: number;
}

/** One readiness check's outcome. */
interface Check {
  ok: boolean;
  message: string;
  [detail: string]: unknown;
}

/** `GET /health` and `GET /ready`. */
export function healthRoutes(store: EventStore, opts: ReadinessOptions = {}): Hono {
  const app = new Hono();
  app.get("/health", async (c) => {
    await retryLocked(() => store.kv.get(["health"]));
    return c.json({ ok: true });
  });
  app.get("/ready", async (c) => {
    const checks = {
      store: await storeCheck(store, opts.storeFile),
      disk: await diskCheck(opts.dataDir, opts.minFreeBytes ?? 64 * 1024 ** 2),
      workers: await workersCheck(store, opts.expectedWorkers ?? 0),
    };
    const ready = Object.values(checks).every((check) => check.ok);
    return c.json({ ready, checks }, ready ? 200 : 503);
  });
  return app;
}

async function storeCheck(store: EventStore, file?: StoreFileWatch): Promise<Check> {
  const lost = await file?.check();
  if (lost) return { ok: false, message: lost };
  const nonce = crypto.randomUUID();
  try {
    await retryLocked(() => store.kv.set(["ready"], nonce));
    const back = await retryLocked(() => store.kv.get<string>(["ready"]));
    if (back.value !== nonce) return { ok: false, message: "A store write did not read back" };
    return { ok: true, message: "A write read back" };
  } catch (err) {
    return { ok: false, message: `A store write failed: ${(err as Error).message}` };
  }
}

async function diskCheck(dir: string | undefined, minFree: number): Promise<Check> {
  if (dir === undefined) return { ok: true, message: "No local data folder" };
  try {
    const fs = await statfs(dir);
    const free = Number(fs.bavail) * Number(fs.bsize);
    const mib = (n: number) => `${Math.floor(n / 1024 ** 2)} MiB`;
    return free >= minFree
      ? { ok: true, message: `${mib(free)} free`, freeBytes: free }
      : { ok: false, message: `Only ${mib(free)} free, under ${mib(minFree)}`, freeBytes: free };
  } catch (err) {
    return { ok: false, message: `Cannot read the disk of ${dir}: ${(err as Error).message}` };
  }
}

async function workersCheck(store: EventStore, expected: number): Promise<Check> {
  if (expected === 0) return { ok: true, message: "This service runs no workers", alive: 0 };
  const alive = (await listWorkers(store.kv)).filter((w) => w.alive).length;
  return alive > 0
    ? { ok: true, message: `${alive} of ${expected} workers alive`, alive, expected }
    : { ok: false, message: `None of ${expected} workers is alive`, alive, expected };
}

/** The liveness and readiness routes, as the OpenAPI document and `/docs` show them. */
export const HEALTH_ROUTE_DOCS: RouteDoc[] = [
  {
    method: "get",
    path: "/health",
    operationId: "health",
    summary: "Liveness",
    description: "`{ ok: true }` while the service can read its store.",
    responses: { "200": json("Alive", HealthSchema), ...errorResponses([503]) },
  },
  {
    method: "get",
    path: "/ready",
    operationId: "ready",
    summary: "Readiness",
    description: "A store write that reads back, the store file still the one opened, at least " +
      "64 MiB free, and a live worker when the service runs workers; 503 names what failed.",
    responses: { "200": json("Ready", ReadySchema), "503": json("Not ready", ReadySchema) },
  },
];
