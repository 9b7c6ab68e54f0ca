/**
 * The runs page in headless Chromium: creating runs (from an example and pasted JSON, with the
 * API's field errors), live progress, cancelling, comparing, and the token on writes.
 */

import assert from "node:assert/strict";
import { openDashboard, until } from "./_harness.ts";

const TIMEOUT = 20_000;

Deno.test("runs page: field errors, create from an example, live progress, cancel", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${d.base}/`);
  await page.getByText("No runs yet").waitFor();

  const definition = page.getByLabel("Run definition (JSON)");
  const create = page.getByRole("button", { name: "Create run" });
  const errors = page.locator("#definition-errors");
  await definition.fill('{"mode": "managed", "training": {"steps": -5}, "optimizer": {"lr": "x"}}');
  await create.click();
  await errors.getByText("training.steps").waitFor();
  const listed = await errors.locator("li code").allTextContents();
  assert.deepEqual(listed.sort(), ["optimizer.lr", "training.steps"]);
  assert.equal(await definition.getAttribute("aria-invalid"), "true");
  await definition.fill("{oops");
  await create.click();
  await errors.getByText("The definition is not JSON").waitFor();

  await page.getByLabel("Start from an example").selectOption("synthetic-small-lr.json");
  assert.match(await definition.inputValue(), /"kind": "synthetic"/);
  await create.click();
  await page.locator("#create-status", { hasText: "Created" }).waitFor();
  assert.equal(await errors.textContent(), "");
  const row = page.locator("#runs-table tbody tr").first();
  await row.locator('[data-col="status"]', { hasText: "running" }).waitFor();
  const progress = row.locator('[data-col="progress"] span');
  const first = await progress.textContent();
  await until(async () => (await progress.textContent()) !== first);
  assert.doesNotMatch(await row.locator('[data-col="backend"]').innerText(), /^–$/);
  await d.shot("runs-page-running");

  page.once("dialog", (dialog) => dialog.accept()); // the confirmation
  await row.getByRole("button", { name: /^Cancel / }).click();
  await row.locator('[data-col="status"]', { hasText: "cancelled" }).waitFor();
  assert.ok(await row.getByRole("button", { name: /^Cancel / }).isHidden());

  await definition.fill(JSON.stringify({
    name: "pasted",
    model: { kind: "synthetic", stepDelayMs: 1 },
    training: { steps: 200 },
    optimizer: { lr: 1e-3 },
    adalrs: { window: 10 },
  }));
  await create.click();
  const pasted = page.locator("#runs-table tbody tr", { hasText: "pasted" });
  await pasted.locator('[data-col="status"]', { hasText: "completed" }).waitFor();
  assert.match(await pasted.locator('[data-col="progress"]').innerText(), /200 \/ 200/);
  assert.match(await pasted.locator('[data-col="val"]').innerText(), /^\d/);

  await page.locator("#runs-table tbody input[type=checkbox]").nth(0).check();
  await page.locator("#runs-table tbody input[type=checkbox]").nth(1).check();
  await page.getByRole("button", { name: "Compare selected runs" }).click();
  await page.waitForURL(/\/compare\?ids=r\w+,r\w+$/);
  await page.locator("#compare-table tbody tr").nth(1).waitFor();
  await d.shot("compare-page");
  // Chromium logs the API's 400 (the invalid definition above) as a failed resource load.
  assert.deepEqual(d.errors.filter((e) => !/status of 400 .*\/v1\/runs\)$/.test(e)), []);
});

Deno.test("runs page: with ADALRS_TOKEN, writes ask for the token and send it", async () => {
  await using d = await openDashboard({ token: "s3cret", worker: false });
  const { page } = d;
  page.setDefaultTimeout(TIMEOUT);
  await page.goto(`${d.base}/`);
  const definition = page.getByLabel("Run definition (JSON)");
  const guarded = JSON.stringify({
    name: "guarded",
    model: { kind: "synthetic" },
    training: { steps: 100 },
    optimizer: { lr: 1e-3 },
  });
  await definition.fill(guarded);
  await page.getByRole("button", { name: "Create run" }).click();
  await page.locator("#definition-errors", { hasText: "enter the API token" }).waitFor();
  assert.equal((await d.store.list()).length, 0);

  await page.getByLabel("API token").fill("s3cret");
  await page.reload();
  assert.equal(await page.getByLabel("API token").inputValue(), "s3cret");
  await definition.fill(guarded);
  await page.getByRole("button", { name: "Create run" }).click();
  await page.locator("#create-status", { hasText: "Created" }).waitFor();
  const row = page.locator("#runs-table tbody tr", { hasText: "guarded" });
  page.once("dialog", (dialog) => dialog.accept()); // the confirmation
  await row.getByRole("button", { name: /^Cancel / }).click();
  await row.locator('[data-col="status"]', { hasText: "cancelled" }).waitFor();
  assert.equal((await d.store.list())[0].status, "cancelled");
  // The 401 of the first attempt is logged by the browser as a failed resource load.
  assert.deepEqual(d.errors.filter((e) => !/status of 401 .*\/v1\/runs\)$/.test(e)), []);
});
