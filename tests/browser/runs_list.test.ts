/**
 * The runs table for many runs (issue 12): search by name, id or tag, filter by status, sort by
 * any column, created and duration columns, a one-line backend cell, and a confirmation before
 * cancelling. Any console error fails the test.
 */

import assert from "node:assert/strict";
import { syntheticDefinition } from "../workers/_worker.ts";
import { openDashboard, until } from "./_harness.ts";

Deno.test("runs page: search, filter, sort, created and duration, cancel asks first", async () => {
  await using d = await openDashboard({ worker: false });
  const { page } = d;
  page.setDefaultTimeout(20_000);
  const make = (name: string, lr: number, tags: Record<string, string>) =>
    d.store.create({
      ...syntheticDefinition(100, 0, { name }),
      optimizer: { ...syntheticDefinition(100, 0).optimizer, lr },
      tags,
    });
  const alpha = await make("alpha", 0.3, { team: "vision" });
  await make("beta", 0.1, { team: "text" });
  const gamma = await make("gamma", 0.2, { team: "text" });
  const cancelled = await fetch(`${d.base}/v1/runs/${gamma.id}/cancel`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(cancelled.status, 200, await cancelled.text());
  await page.goto(`${d.base}/`);
  const names = () => page.locator("#runs-table tbody tr:not([hidden]) th a").allInnerTexts();
  await page.locator("#runs-table tbody tr").nth(2).waitFor();
  assert.deepEqual(await names(), ["gamma", "beta", "alpha"], "newest first");

  // Created and duration columns.
  const row = page.locator("#runs-table tbody tr", { hasText: "alpha" });
  assert.ok((await row.locator('[data-col="created"]').innerText()).length > 5);
  assert.match(await row.locator('[data-col="duration"]').innerText(), /^\d+ (s|min)/);

  // Sort by a column, both ways.
  await page.getByRole("button", { name: "Learning rate" }).click();
  await until(async () => (await names()).join() === "beta,gamma,alpha");
  await page.getByRole("button", { name: "Learning rate" }).click();
  await until(async () => (await names()).join() === "alpha,gamma,beta");
  assert.equal(
    await page.locator("th", { has: page.getByRole("button", { name: "Learning rate" }) })
      .getAttribute("aria-sort"),
    "descending",
  );

  // Search by name or tag; filter by status.
  await page.getByLabel("Search").fill("team:text");
  await until(async () => (await names()).join() === "gamma,beta");
  await page.getByLabel("Status").selectOption("cancelled");
  await until(async () => (await names()).join() === "gamma");
  await page.getByLabel("Search").fill("");
  await page.getByLabel("Status").selectOption("");
  await page.getByLabel("Search").fill("alp");
  await until(async () => (await names()).join() === "alpha");
  await page.getByLabel("Search").fill("");

  // Cancel asks first: declining leaves the run alone, accepting cancels it.
  let asked = "";
  page.once("dialog", (dialog) => (asked = dialog.message(), dialog.dismiss()));
  await row.getByRole("button", { name: /^Cancel / }).click();
  await until(() => Promise.resolve(asked !== ""));
  assert.match(asked, new RegExp(`Cancel run ${alpha.id}\\?`));
  assert.equal((await d.store.get(alpha.id))?.status, "queued");
  page.once("dialog", (dialog) => dialog.accept());
  await row.getByRole("button", { name: /^Cancel / }).click();
  await row.locator('[data-col="status"]', { hasText: "cancelled" }).waitFor();
  assert.deepEqual(d.errors, []);
});

Deno.test("runs page: the backend cell stays on one line", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(20_000);
  const run = await d.store.create(syntheticDefinition(200, 0, { name: "one" }));
  await page.goto(`${d.base}/`);
  const cell = page.locator(`#runs-table tr[data-run-id="${run.id}"] [data-col="backend"]`);
  await until(async () => (await cell.innerText()) !== "–");
  const box = (await cell.boundingBox())!;
  const line = await cell.evaluate((el) =>
    // deno-lint-ignore no-explicit-any
    parseFloat((globalThis as any).getComputedStyle(el).lineHeight)
  );
  assert.ok(box.height < 2.5 * line + 16, `${box.height}px tall for ${line}px lines`);
  // The whole description (name, version, accelerator) on hover.
  const title = (await cell.getAttribute("title")) ?? "";
  assert.ok(title.startsWith(await cell.innerText()), `title ${title}`);
  assert.deepEqual(d.errors, []);
});
