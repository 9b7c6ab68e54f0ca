/**
 * A run's page in headless Chromium: live curves, decision markers and their evidence, the audit
 * table, verification by replay, and what-if.
 */

import assert from "node:assert/strict";
import { waitFor } from "../workers/_worker.ts";
import { longExternalRun, openDashboard, trialRun } from "./_harness.ts";

const TIMEOUT = 20_000;

Deno.test("run page: live curves, markers with evidence, verify by replay, what-if", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(TIMEOUT);
  const run = await d.store.create(trialRun(600, 5));
  await page.goto(`${d.base}/runs/${run.id}`);
  await page.getByRole("heading", { name: "trials" }).waitFor();

  // Live: the page follows the run's events to the end, without a reload.
  const status = page.locator('#run-summary [data-field="Status"]');
  assert.notEqual(await status.textContent(), "completed");
  await page.locator('#run-summary [data-field="Status"]', { hasText: "completed" }).waitFor();
  await page.locator('#run-summary [data-field="Progress"]', { hasText: "600 / 600" }).waitFor();
  const view = (await d.store.get(run.id))!;
  await page.locator(`#audit-table tbody tr >> nth=${view.decisions - 1}`).waitFor();
  assert.equal(await page.locator("#audit-table tbody tr").count(), view.decisions);
  await d.shot("run-page-completed");

  // A marker, chosen with the keyboard, shows the decision's evidence.
  const markers = page.locator("button.marker");
  assert.ok(await markers.count() >= 5, "markers on the LR chart");
  const trial = page.locator('button.marker[data-rule="upscale-trial"]').first();
  await trial.focus();
  await page.keyboard.press("Enter");
  const evidence = page.locator("#evidence-body dl");
  await evidence.getByText(/^upscale-trial: /).waitFor();
  const terms = await evidence.locator("dt").allTextContents();
  for (const term of ["Window", "Reference", "α′, β′", "n (adjustments so far)", "Action"]) {
    assert.ok(terms.includes(term), term);
  }
  assert.match(await evidence.innerText(), /snapshot s\d+/);
  assert.equal(await trial.getAttribute("aria-pressed"), "true");
  // A paired trial won: the trial branch, saved at the branch, is restored.
  await page.locator('button.marker[data-rule="trial-accept"]').first().click();
  await evidence.getByText(/^trial-accept: /).waitFor();
  assert.match(await evidence.innerText(), /restore s\d+t/);
  // Its evidence: the two branches compared on the same batches.
  assert.match(
    await evidence.innerText(),
    /trial − control -[\d.e+-]+ ± [\d.e+-]+ over \d+ batches \((the last settling window|settling window \d, before the last \(kept early\))\); trial branch from step \d+/,
  );

  // The branch that lost is an abandoned stretch.
  const curves = await (await fetch(`${d.base}/v1/runs/${run.id}/curves`)).json();
  assert.ok(curves.abandoned.some((a: { why: string }) => a.why === "rollback"));

  // Verify by replay: every decision re-derived identical.
  await page.getByRole("button", { name: "Verify by replay" }).click();
  await page.locator("#verify-status", {
    hasText: `All ${view.decisions} decisions re-derived identical.`,
  }).waitFor();
  assert.equal(await page.locator("#audit-table td.replay.same").count(), view.decisions);
  await page.getByRole("button", { name: "Show the evidence of decision 3", exact: true }).click();
  await evidence.getByText("identical", { exact: true }).waitFor();

  await page.getByLabel("Only decisions that changed the LR").check();
  const shown = await page.locator("#audit-table tbody tr:visible").count();
  assert.ok(shown > 0 && shown < view.decisions, `${shown} of ${view.decisions} rows shown`);

  // What-if: a field error shows beside its field; valid settings overlay their decisions.
  const window = page.getByLabel("Window k (losses per window)");
  const replay = page.getByRole("button", { name: "Replay with these settings" });
  await window.fill("2");
  await replay.click();
  await page.locator("#whatif-window-errors", { hasText: /4/ }).waitFor();
  assert.equal(await window.getAttribute("aria-invalid"), "true");
  await window.fill("20");
  await page.getByLabel("Reference window").selectOption("trigger");
  await replay.click();
  const result = page.locator("#whatif-result");
  await result.getByText("With window = 20, reference = trigger").waitFor();
  assert.equal(await window.getAttribute("aria-invalid"), null);
  assert.ok(await result.locator("tbody tr").count() > 0);
  await d.shot("run-page-what-if");
  await page.getByRole("button", { name: "Clear the overlay" }).click();
  assert.equal(await result.textContent(), "");
  // Chromium logs the what-if's 400 (window 2) as a failed resource load.
  assert.deepEqual(d.errors.filter((e) => !/status of 400 .*\/replay\)$/.test(e)), []);
});

Deno.test("run page and compare page of finished runs, windows sized from noise; an unknown run says so", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(TIMEOUT);
  // The first run's search phase starts at step 30: its second window sizes the ones after it.
  const first = trialRun(300, 0, "first");
  const noisy = { ...first.adalrs, noiseWindow: true, searchStart: 0.1 };
  const a = await d.store.create({ ...first, adalrs: noisy });
  const b = await d.store.create(trialRun(300, 0, "second"));
  await waitFor(d.store, b.id, (v) => v.status === "completed");
  await page.goto(`${d.base}/compare?ids=${a.id},${b.id}`);
  await page.locator("#compare-table tbody tr").nth(1).waitFor();
  const legend = await page.locator(".u-legend").first().innerText();
  assert.match(legend, /1\. first/);
  assert.match(legend, /2\. second/);

  await page.goto(`${d.base}/runs/${a.id}`);
  await page.locator('#run-summary [data-field="Status"]', { hasText: "completed" }).waitFor();
  await page.locator("button.marker").first().waitFor();
  await page.getByRole("button", { name: "Show the evidence of decision 1", exact: true }).click();
  const sized = page.locator("#evidence-body dl dd", { hasText: /^descent / });
  assert.match(
    await sized.innerText(),
    /^descent [\d.e+-]+ a step, noise [\d.e+-]+ a step: windows of 10 losses and \d+ settling windows from the next step on$/,
  );

  await page.goto(`${d.base}/runs/rnope`);
  await page.locator("#run-error", { hasText: "Run rnope does not exist" }).waitFor();
  assert.deepEqual(d.errors.filter((e) => !/status of 404 .*\/v1\/runs\/rnope\)$/.test(e)), []);
});

Deno.test("run page of a 100k-step run: drawn from 2,000 points, with every decision", async () => {
  await using d = await openDashboard({ worker: false });
  const { page } = d;
  page.setDefaultTimeout(TIMEOUT);
  const id = await longExternalRun(d.store, 100_000);
  await page.goto(`${d.base}/runs/${id}`);
  await page.locator("#audit-table tbody tr >> nth=1999").waitFor();
  await page.locator("button.marker").first().waitFor();
  assert.equal(await page.locator("#curves-note").getAttribute("data-points"), "100000");
  assert.match(await page.locator("#curves-note").innerText(), /Showing 2000 of 100000/);
  await d.shot("run-page-100k");
  assert.deepEqual(d.errors, []);
});
