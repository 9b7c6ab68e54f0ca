/** The runs page's workers panel in headless Chromium, fed by a real worker's heartbeats. */

import assert from "node:assert/strict";
import { openDashboard } from "./_harness.ts";

Deno.test("runs page: the workers panel shows a live worker, the run it trains, and its last beat", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(20_000);
  await page.goto(`${d.base}/`);
  const row = page.locator("#workers-table tbody tr").first();
  await row.locator('[data-col="alive"]', { hasText: /^alive$/ }).waitFor();
  assert.match(await row.locator('[data-col="beat"]').innerText(), /^\d+ s ago$/);
  await page.locator("#workers-status", { hasText: "1 of 1 alive." }).waitFor();
  const res = await page.request.post(`${d.base}/v1/runs`, {
    data: {
      model: { kind: "synthetic", stepDelayMs: 20 },
      training: { steps: 400 },
      optimizer: { lr: 1e-3 },
    },
  });
  const run = await res.json();
  await row.locator('[data-col="run"] a', { hasText: run.id }).waitFor();
  assert.deepEqual(d.errors, []);
});
