import assert from "node:assert/strict";
import { freePort, killService, startService } from "../../scripts/_load_processes.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

Deno.test("the store file deleted under the running service: writes are refused (503), /ready says so, /health stays up", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-fault-store-" });
  const service = await startService(dir, freePort());
  const post = () =>
    fetch(`${service.url}/v1/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mode: "external", training: { steps: 50 }, optimizer: { lr: 1e-3 } }),
    });
  try {
    assert.equal((await post()).status, 201);
    assert.equal((await fetch(`${service.url}/ready`)).status, 200);
    await Deno.remove(`${dir}/adalrs.kv`);
    const refused = await post();
    assert.equal(refused.status, 503);
    assert.match(
      (await refused.json()).error.message,
      /adalrs\.kv was removed while the service ran/,
    );
    const ready = await fetch(`${service.url}/ready`);
    assert.equal(ready.status, 503);
    assert.equal((await ready.json()).checks.store.ok, false);
    assert.equal((await fetch(`${service.url}/health`)).status, 200);
  } finally {
    await killService(service);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});

Deno.test("main.ts on a corrupt store exits 2 with one line naming the file, no stack trace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-fault-store-" });
  try {
    await Deno.writeTextFile(`${dir}/adalrs.kv`, "this is not a SQLite database\n".repeat(200));
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", CONFIG, MAIN, "--data", dir, "--workers", "0", "--port", "0"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr).trim();
    assert.equal(out.code, 2);
    assert.match(stderr, /^Cannot open the store at .*adalrs\.kv: .+$/);
    assert.equal(stderr.split("\n").length, 1, stderr);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
