import assert from "node:assert/strict";
import { createApp } from "../../src/api/mod.ts";
import {
  acquireLease,
  type AppendResult,
  EventStore,
  newEvent,
  recordRunLosses,
  releaseLease,
  renewLease,
  RunDefinitionSchema,
} from "../../src/events/mod.ts";
import { workerBackend } from "../../workers/model.ts";
import { trainLeasedRun } from "../../workers/train_run.ts";
import { syntheticDefinition } from "../workers/_worker.ts";

/**
 * A KV handle whose every other call fails the way SQLite does while another process writes:
 * the first attempt of every call path fails, its retry goes through.
 */
function lockingKv(kv: Deno.Kv): { kv: Deno.Kv; locked: () => number } {
  let calls = 0;
  let locked = 0;
  const attempt = () => {
    if (calls++ % 2 === 0) {
      locked++;
      throw new TypeError("database is locked");
    }
  };
  const proxy = new Proxy(kv, {
    get(target, prop) {
      if (prop === "get" || prop === "getMany" || prop === "set" || prop === "delete") {
        return (...args: unknown[]) => {
          attempt();
          return (target[prop] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (prop === "list") {
        return (...args: Parameters<Deno.Kv["list"]>) => {
          const entries = target.list(...args);
          return (async function* () {
            attempt();
            yield* entries;
          })();
        };
      }
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const commit = op.commit.bind(op);
          op.commit = () => (attempt(), commit());
          return op;
        };
      }
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: proxy, locked: () => locked };
}

Deno.test("every EventStore, lease and API call path retries a locked database", async () => {
  const inner = await Deno.openKv(":memory:");
  const { kv, locked } = lockingKv(inner);
  const store = new EventStore(kv);
  const definition = RunDefinitionSchema.parse({
    mode: "external",
    training: { steps: 100 },
    optimizer: { lr: 1e-3 },
    adalrs: { window: 5 },
  });
  const view = await store.create(definition);
  assert.equal((await store.get(view.id))?.seq, 0);
  const evalEvent = newEvent("EvalRecorded", { step: 0, valLoss: 1 });
  assert.ok((await store.append(view.id, [evalEvent], { expectedSeq: 0 })).ok);
  const keyed = await store.append(view.id, [evalEvent], { expectedSeq: 1, idempotencyKey: "k" });
  assert.ok(keyed.ok);
  assert.ok((await store.idempotent(view.id, "k"))?.ok);
  const losses = [5, 4.9, 4.8, 4.7, 4.6];
  const recorded = await recordRunLosses(
    store,
    view.id,
    { fromStep: 0, losses, idempotencyKey: "w" },
    { mode: "external" },
  );
  assert.ok(recorded.ok);
  assert.equal((await store.read(view.id)).length, 5);
  assert.equal((await store.list()).length, 1);
  assert.deepEqual(await store.activeIds(), [view.id]);
  const held = await acquireLease(kv, view.id, "w1", 1000, Date.now());
  assert.ok(held);
  const renewed = await renewLease(kv, held, 1000, Date.now());
  assert.ok(renewed);
  await releaseLease(kv, renewed);
  assert.equal((await inner.get(["lease", view.id])).value, null);
  assert.equal((await createApp(store).request("/health")).status, 200);
  assert.ok(locked() >= 15, `only ${locked()} calls were refused`);
  inner.close();
});

/** A store whose appends fail as if SQLite stayed locked through every retry. */
class LockedAfter extends EventStore {
  constructor(kv: Deno.Kv, private okAppends: number) {
    super(kv);
  }
  override append(...args: Parameters<EventStore["append"]>): Promise<AppendResult> {
    if (this.okAppends-- > 0) return super.append(...args);
    return Promise.reject(new TypeError("database is locked"));
  }
}

Deno.test("regression: a worker whose store stays locked leaves the run to be resumed, not failed", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new LockedAfter(kv, 1);
  const run = await store.create(syntheticDefinition(100));
  const held = (await acquireLease(kv, run.id, "w-locked", 10_000, Date.now()))!;
  const checkpointDir = await Deno.makeTempDir({ prefix: "adalrs-lock-" });
  const lines: string[] = [];
  await trainLeasedRun({
    store,
    workerId: "w-locked",
    backend: workerBackend("cpu"),
    checkpointDir,
    leaseTtlMs: 10_000,
    log: (line) => lines.push(line),
  }, held);
  await Deno.remove(checkpointDir, { recursive: true });
  const view = (await store.get(run.id))!;
  assert.equal(view.status, "running", "the run was not failed for a busy store");
  assert.equal(view.seq, 1, "only RunLeased landed");
  assert.equal((await kv.get(["lease", run.id])).value, null, "the lease was given back");
  assert.ok(
    lines.some((l) => /store stayed locked; the run will be resumed/.test(l)),
    lines.join("\n"),
  );
  kv.close();
});
