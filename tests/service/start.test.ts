import assert from "node:assert/strict";
import { createRun, getRun } from "../../src/client/mod.ts";
import { startEmbedded, startService } from "../../src/service/mod.ts";

const EXTERNAL = { mode: "external", training: { steps: 50 }, optimizer: { lr: 1e-3 } };

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/v1/runs`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  await res.body?.cancel();
  return res.status;
}

Deno.test("startService() serves the API over <data>/adalrs.kv and closes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-service-" });
  const service = await startService({ dataDir: `${dir}/nested`, workers: 0, token: "s3cret" });
  try {
    assert.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(service.kvPath, `${dir}/nested/adalrs.kv`);
    assert.ok((await Deno.stat(service.kvPath)).isFile);
    assert.equal(await post(service.url, EXTERNAL), 401, "the token protects writes");
    assert.equal(await post(service.url, EXTERNAL, { authorization: "Bearer s3cret" }), 201);
    const ready = await fetch(`${service.url}/ready`);
    assert.equal(ready.status, 200, JSON.stringify(await ready.json()));
  } finally {
    await service.close();
  }
  await assert.rejects(fetch(`${service.url}/health`), "the server stopped listening");
  await Deno.remove(dir, { recursive: true });
});

/** The status line of a request written by hand, as `curl -X POST` sends it: no body, no length. */
async function rawStatus(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  await conn.write(new TextEncoder().encode(request));
  const answer = await new Response(conn.readable).text();
  return answer.split("\r\n")[0];
}

Deno.test("a POST without a body or a Content-Type (curl -X POST) cancels a run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-service-" });
  const service = await startService({ dataDir: dir, workers: 0 });
  try {
    const run = await createRun(service, EXTERNAL as never);
    const status = await rawStatus(
      service.url,
      `POST /v1/runs/${run.id}/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(status, "HTTP/1.1 200 OK");
    assert.equal((await getRun(service, run.id)).status, "cancelled");
  } finally {
    await service.close();
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startService() on a folder it cannot create says which store failed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-service-" });
  await Deno.writeTextFile(`${dir}/file`, "not a folder");
  await assert.rejects(
    startService({ dataDir: `${dir}/file`, workers: 0 }),
    new RegExp(`^Error: Cannot open the store at ${dir}/file/adalrs\\.kv: .+`),
  );
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startService() on a port in use says so and leaves the store closed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-service-" });
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await assert.rejects(
      startService({ dataDir: dir, workers: 1, port: taken.addr.port }),
      new RegExp(`^Error: Cannot listen on port ${taken.addr.port}: `),
    );
  } finally {
    taken.close();
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("startEmbedded() trains a run on its own supervised worker", async () => {
  const dir = await Deno.makeTempDir({ prefix: "adalrs-embedded-" });
  const service = await startEmbedded({ dataDir: dir, workers: 1, pollMs: 50 });
  try {
    assert.equal(service.embedded, true);
    const run = await createRun(service, {
      mode: "managed",
      model: { kind: "synthetic" },
      training: { steps: 40, evalEvery: 0, checkpointEvery: 0 },
      optimizer: { lr: 1e-3 },
    } as never);
    // The worker process starts in about a second; the deadline allows for a loaded machine.
    const deadline = Date.now() + 120_000;
    let view = await getRun(service, run.id);
    while (view.status !== "completed" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      view = await getRun(service, run.id);
    }
    assert.equal(view.status, "completed");
    const workers = await (await fetch(`${service.url}/v1/workers`)).json();
    assert.match(JSON.stringify(workers), new RegExp(`embedded-${Deno.pid}-0`));
  } finally {
    await service.close();
    await Deno.remove(dir, { recursive: true });
  }
});
