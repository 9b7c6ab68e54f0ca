import assert from "node:assert/strict";
import { EventStore } from "../../src/events/mod.ts";
import { freePort, killService, startService } from "../../scripts/_load_processes.ts";
import { syntheticDefinition } from "../workers/_worker.ts";
import { assertIntact, leases } from "./_checks.ts";

interface WorkerRow {
  id: string;
  pid: number;
  alive: boolean;
  runId: string | null;
  supervised: { restarts: number; lastExit: string | null; state: string } | null;
}

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("task start restarts a worker killed mid-run (kill -9); the run resumes and completes, and /v1/workers shows it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-fault-supervise-" });
  const service = await startService(dir, freePort(), [
    "--workers",
    "1",
    "--restart-backoff",
    "200",
  ]);
  const store = new EventStore(await Deno.openKv(`${dir}/adalrs.kv`));
  const get = async (path: string) => await (await fetch(`${service.url}${path}`)).json();
  try {
    const res = await fetch(`${service.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(syntheticDefinition(400, 2)),
    });
    const run = await res.json();
    // Past a checkpoint, the worker busy with the run.
    const busy = await until("the worker to train the run", async () => {
      const view = await store.get(run.id);
      const { workers } = await get("/v1/workers") as { workers: WorkerRow[] };
      const w = workers.find((w) => w.alive && w.runId === run.id);
      return w && view?.checkpoint && view.progress.step >= 60 ? w : null;
    });
    Deno.kill(busy.pid, "SIGKILL");

    await until(
      "the run to complete",
      async () => (await store.get(run.id))?.status === "completed" ? true : null,
    );
    const events = await assertIntact(store, run.id);
    const [first, second] = leases(events);
    assert.equal(second.workerId, first.workerId, "the same worker, restarted");
    assert.ok(second.resume && second.resume.fromSeq > 0, "resumed from a checkpoint");

    const { workers } = await get("/v1/workers") as { workers: WorkerRow[] };
    const w = workers.find((x) => x.id === busy.id)!;
    assert.equal(w.supervised?.restarts, 1);
    assert.match(w.supervised?.lastExit ?? "", /^killed by SIGKILL after [\d.]+ s$/);
    assert.notEqual(w.pid, busy.pid);
    assert.match(
      service.output(),
      new RegExp(
        `\\[supervisor\\] worker ${busy.id} killed by SIGKILL after [\\d.]+ s; starting it again in 0\\.2 s`,
      ),
    );
    const ready = await get("/ready");
    assert.equal(ready.ready, true, JSON.stringify(ready));
    // A clean stop takes the workers down too.
    await killService(service, "SIGTERM");
    assert.throws(() => Deno.kill(w.pid, "SIGCONT"), "the restarted worker is gone");
  } finally {
    await killService(service);
    store.kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
