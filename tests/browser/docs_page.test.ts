/**
 * `/docs` in headless Chromium: a way back to the dashboard, descriptions with their code
 * rendered as code, and a request example for every route. Any console error fails the test.
 */

import assert from "node:assert/strict";
import { openDashboard } from "./_harness.ts";

Deno.test("/docs: back to the dashboard, code as code, an example request per route", async () => {
  await using d = await openDashboard({ worker: false });
  const { page } = d;
  await page.goto(`${d.base}/docs`);
  const sections = page.locator("main section");
  const count = await sections.count();
  assert.ok(count >= 10, `${count} routes`);
  assert.equal(await page.locator("main section pre.example").count(), count);
  const create = await page.locator('section[id="post-/v1/runs"] pre.example').innerText();
  assert.match(create, /^curl -X POST http:\/\/127\.0\.0\.1:8000\/v1\/runs/);
  // Backticks in descriptions become <code>, never literal backticks on the page.
  assert.doesNotMatch(await page.locator("main").innerText(), /`/);
  assert.ok(await page.locator('section[id="post-/v1/runs"] p code').count() >= 1);
  await page.getByRole("link", { name: "← Dashboard" }).click();
  await page.waitForURL(`${d.base}/`);
  await page.getByRole("heading", { name: "Runs", exact: true }).waitFor();
  assert.deepEqual(d.errors, []);
});
