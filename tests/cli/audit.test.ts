import assert from "node:assert/strict";
import { runScript } from "./_run.ts";
import { createApp } from "../../src/api/mod.ts";
import { EventStore } from "../../src/events/mod.ts";

// The audit tasks against a store on disk (--kv) and against a running service (--url), the
// way a user runs them when the service was started with another --data.

function audit(args: string[]) {
  return runScript(["scripts/audit.ts", ...args]);
}

async function lossLog(dir: string): Promise<string> {
  const rows = Array.from({ length: 300 }, (_, i) => `${i},${4 / Math.sqrt(1 + i / 20)}`);
  const file = `${dir}/losses.csv`;
  await Deno.writeTextFile(file, `step,loss\n${rows.join("\n")}\n`);
  return file;
}

Deno.test("import, replay and export work on a store file (--kv) and a service (--url) alike", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-audit-" });
  const kv = `${dir}/other/adalrs.kv`;
  await Deno.mkdir(`${dir}/other`);
  const imported = await audit([
    "import",
    await lossLog(dir),
    "--kv",
    kv,
    "--lr",
    "1e-3",
    "window=20",
  ]);
  assert.equal(imported.code, 0, imported.stderr);
  const id = /as external run (\S+)/.exec(imported.stdout)?.[1];
  assert.ok(id, imported.stdout);

  const replayed = await audit(["replay", id, "--kv", kv]);
  assert.equal(replayed.code, 0, replayed.stderr);
  assert.match(replayed.stdout, /decisions: \d+ identical, 0 different/);

  const store = new EventStore(await Deno.openKv(kv));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    createApp(store).fetch,
  );
  const url = `http://127.0.0.1:${server.addr.port}`;
  try {
    const fromFile = await audit(["export", id, "--kv", kv]);
    const fromService = await audit(["export", id, "--url", url]);
    assert.equal(fromService.code, 0, fromService.stderr);
    assert.equal(fromService.stdout, fromFile.stdout);
    assert.equal(fromService.stdout.trim().split("\n").length, (await store.read(id)).length);

    const whatIf = await audit(["what-if", id, "window=40", "--url", url]);
    assert.equal(whatIf.code, 0, whatIf.stderr);
    assert.match(whatIf.stdout, /what-if \{"window":40\}/);

    const viaService = await audit([
      "import",
      `${dir}/losses.csv`,
      "--url",
      url,
      "--name",
      "again",
    ]);
    assert.equal(viaService.code, 0, viaService.stderr);
    const second = /as external run (\S+)/.exec(viaService.stdout)![1];
    assert.equal((await store.get(second))?.status, "completed");
  } finally {
    await server.shutdown();
    store.kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the audit tasks say where they looked when a run or a store is missing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-audit-" });
  try {
    const noStore = await audit(["replay", "r1", "--kv", `${dir}/nope.kv`]);
    assert.equal(noStore.code, 2);
    assert.match(
      noStore.stderr,
      /^error: there is no store at .*nope\.kv \(a service started with --data DIR keeps DIR\/adalrs\.kv/,
    );

    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const noService = await audit(["export", "r1", "--url", `http://127.0.0.1:${port}`]);
    assert.equal(noService.code, 2);
    assert.match(
      noService.stderr,
      /^error: no adalrs service answers at http:\/\/127\.0\.0\.1:\d+; start one/,
    );

    const kv = `${dir}/adalrs.kv`;
    (await Deno.openKv(kv)).close();
    const noRun = await audit(["replay", "r1", "--kv", kv]);
    assert.equal(noRun.code, 2);
    assert.match(
      noRun.stderr,
      /^error: run r1 is not in .*adalrs\.kv; is it on another store or service\?/,
    );

    const both = await audit(["replay", "r1", "--kv", kv, "--url", "http://127.0.0.1:1"]);
    assert.match(both.stderr, /^error: give --url or --kv, not both/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("leads prints each paired verdict's branches by settling window, and how often a lead held", async () => {
  const fixture = (r: number) =>
    new URL(`../fixtures/revision${r}/managed-gpt.jsonl`, import.meta.url).pathname;
  const leads = await audit(["leads", fixture(7), fixture(4)]);
  assert.equal(leads.code, 0, leads.stderr);
  assert.match(leads.stdout, /#12 step 480 up\s+trial-accept .* 1: -13\.1, 2: -22\.3, 3: -18\.1/);
  assert.match(leads.stdout, /#17 step 899 down trial-revert .* 1: -4\.9, 2: 3\.1/);
  assert.match(
    leads.stdout,
    /3 upscale verdicts: 1 kept, 1 of them ahead by 2 errors .*; of the 2 not kept, 0 were ahead/,
  );
  const none = await audit(["leads"]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name the runs .* or pass --all/);
});
