import assert from "node:assert/strict";
import { externalDefinition, testApp } from "../_fixtures.ts";

/** Bytes of every KV entry, key and value as JSON: what the store keeps, whatever SQLite adds. */
async function storedBytes(kv: Deno.Kv): Promise<number> {
  let total = 0;
  for await (const e of kv.list({ prefix: [] })) {
    total += JSON.stringify(e.key).length + JSON.stringify(e.value).length;
  }
  return total;
}

Deno.test("per-step posts with idempotency keys store under 400 bytes a loss (the whole answer was ~1,000)", async () => {
  using t = await testApp();
  const run = await t.store.create(externalDefinition(1000, 50));
  const before = await storedBytes(t.store.kv);
  const steps = 100;
  for (let step = 0; step < steps; step++) {
    const { status } = await t.call("POST", `/v1/runs/${run.id}/losses`, {
      fromStep: step,
      losses: [3 - step * 1e-3],
      idempotencyKey: `step-${step}`,
    });
    assert.equal(status, 200);
  }
  const perLoss = ((await storedBytes(t.store.kv)) - before) / steps;
  assert.ok(perLoss < 400, `${perLoss.toFixed(0)} bytes per loss`);
});

Deno.test("a retried key gets its first answer back exactly, lrs and decision included, even after the run moved on", async () => {
  using t = await testApp();
  const run = await t.store.create(externalDefinition(100, 5));
  const post = (fromStep: number, losses: number[]) =>
    t.call("POST", `/v1/runs/${run.id}/losses`, {
      fromStep,
      losses,
      idempotencyKey: `w${fromStep}`,
    });
  const answers = [];
  for (let step = 0; step < 40; step += 5) {
    answers.push((await post(step, [5, 4.9, 4.8, 4.7, 4.6].map((x) => x - step / 100))).body);
  }
  assert.ok(answers.some((a) => a.decision !== null && a.lrs.length > 0));
  for (const [i, first] of answers.entries()) {
    const again = await post(i * 5, [5, 4.9, 4.8, 4.7, 4.6].map((x) => x - (i * 5) / 100));
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first, `window ${i}`);
  }
});
