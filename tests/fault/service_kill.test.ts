import assert from "node:assert/strict";
import { EventStore, RunDefinitionSchema } from "../../src/events/mod.ts";
import { assertIntact } from "./_checks.ts";
import {
  clientResult,
  freePort,
  killService,
  type Service,
  startClient,
  startService,
} from "../../scripts/_load_processes.ts";

/** External runs a trainer client drives: 10x below the optimum LR, so trials happen. */
const definition = (seed: number) =>
  RunDefinitionSchema.parse({
    mode: "external",
    training: { steps: 400, seed },
    optimizer: { lr: 1e-4 },
    schedule: { kind: "constant" },
    adalrs: { window: 10, searchStart: 0, searchEnd: 0.8 },
  });

async function windowsStored(store: EventStore, ids: string[]): Promise<number> {
  let total = 0;
  for (const id of ids) total += (await store.get(id))?.decisions ?? 0;
  return total;
}

Deno.test("kill -9 of the service while trainers post: after a restart and retries, every acked window is in the log once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-fault-service-" });
  const store = new EventStore(await Deno.openKv(`${dir}/adalrs.kv`));
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await store.create(definition(i))).id);
  const port = freePort();
  let service: Service = await startService(dir, port);
  assert.equal(service.url, `http://127.0.0.1:${port}`, "bound to loopback by default");
  const clients = [0, 1, 2].map((c) =>
    startClient(service.url, ids.slice(2 * c, 2 * c + 2), { abort: 0.05, seed: c + 1 })
  );
  try {
    // Two crashes, each once the trainers are well into their runs.
    for (const threshold of [15, 45]) {
      const deadline = Date.now() + 60_000;
      while ((await windowsStored(store, ids)) < threshold) {
        assert.ok(Date.now() < deadline, "the trainers made no progress");
        await new Promise((r) => setTimeout(r, 10));
      }
      await killService(service);
      await new Promise((r) => setTimeout(r, 300));
      service = await startService(dir, port);
    }
    const results = await Promise.all(clients.map(clientResult));
    for (const r of results) assert.equal(r.code, 0, `a trainer failed: ${r.stderr}`);
    const retries = results.reduce((n, r) => n + r.summary!.retries, 0);
    assert.ok(retries > 0, "no request was ever retried: the crash was not felt");
    const acks = results.flatMap((r) => r.acks);
    console.log(
      JSON.stringify(
        results.map((r) => ({ ...r.summary, latencies: r.summary!.latencies.length })),
      ),
    );
    for (const id of ids) {
      const mine = acks.filter((k) => k.startsWith(`${id}:`));
      await assertIntact(store, id, mine);
    }
  } finally {
    for (const c of clients) {
      try {
        c.kill("SIGKILL");
      } catch { /* finished */ }
    }
    await killService(service, "SIGTERM");
    store.kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
