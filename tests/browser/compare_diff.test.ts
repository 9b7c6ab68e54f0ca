/**
 * The compare page for a new user (issue 12): validation loss, each run's decision markers, and
 * the fields in which the runs' definitions differ. Any console error fails the test.
 */

import assert from "node:assert/strict";
import { waitFor } from "../workers/_worker.ts";
import { openDashboard, trialRun } from "./_harness.ts";

Deno.test("compare page: validation loss, decision markers, and a diff of the definitions", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(20_000);
  const a = await d.store.create(trialRun(300, 0, "first"));
  const base = trialRun(300, 0, "second");
  const b = await d.store.create({ ...base, optimizer: { ...base.optimizer, lr: 0.05 } });
  // Seconds on an idle machine; the margin is for a loaded one.
  await waitFor(d.store, b.id, (v) => v.status === "completed", 90_000);
  await waitFor(d.store, a.id, (v) => v.status === "completed", 90_000);
  await page.goto(`${d.base}/compare?ids=${a.id},${b.id}`);
  await page.locator("#compare-table tbody tr").nth(1).waitFor();

  const legend = await page.locator("#loss-chart .u-legend").innerText();
  assert.match(legend, /1\. validation/);
  assert.match(legend, /2\. validation/);

  const curves = await Promise.all(
    [a, b].map(async (r) => (await (await fetch(`${d.base}/v1/runs/${r.id}/curves`)).json())),
  );
  const expected = curves.reduce((n, c) => n + c.markers.length, 0);
  assert.ok(expected > 0, "the runs made decisions");
  const drawn = page.locator(`#lr-chart [data-markers="${expected}"]`);
  await drawn.waitFor();

  const diff = page.locator("#compare-diff tbody tr");
  const paths = await diff.evaluateAll((rows) => rows.map((r) => r.getAttribute("data-path")));
  assert.deepEqual(paths.sort(), ["name", "optimizer.lr"]);
  const lrRow = await page.locator('#compare-diff tr[data-path="optimizer.lr"] td').allInnerTexts();
  assert.deepEqual(lrRow, [String(base.optimizer.lr), "0.05"]);
  assert.deepEqual(d.errors, []);
});
