/**
 * The run page's additions for a new user (issue 12): readouts at every scale, the definition
 * with tags and times, smoothing and a log loss axis, evidence beside the charts with a link per
 * decision, downloads, distinct colours, and dark mode. Any console error fails the test.
 */

import assert from "node:assert/strict";
import { openDashboard, trialRun } from "./_harness.ts";

const TIMEOUT = 20_000;

Deno.test("run page: definition, times, tags, readouts at scale, smoothing, log axis, links, downloads", async () => {
  await using d = await openDashboard();
  const { page } = d;
  page.setDefaultTimeout(TIMEOUT);
  const definition = trialRun(400, 0);
  const run = await d.store.create({ ...definition, tags: { team: "lr-search" } });
  await page.goto(`${d.base}/runs/${run.id}`);
  await page.locator('#run-summary [data-field="Status"]', { hasText: "completed" }).waitFor();

  // The definition, its tags, the created time and the duration; copyable as JSON.
  await page.locator("#run-tags .tag", { hasText: "team: lr-search" }).waitFor();
  assert.match(
    await page.locator('#run-times [data-field="Duration"]').innerText(),
    /^\d+ (s|min)/,
  );
  assert.ok((await page.locator('#run-times [data-field="Created"]').innerText()).length > 5);
  await page.locator("#definition-box summary").click();
  const shown = JSON.parse(await page.locator("#definition-json").innerText());
  assert.equal(shown.training.steps, 400);
  assert.equal(shown.adalrs.window, definition.adalrs.window);

  // The LR readout keeps small LRs: hovering the LR chart shows 4 significant digits, never 0.
  const lrChart = page.locator("#lr-chart .u-over");
  await lrChart.scrollIntoViewIfNeeded();
  const box = (await lrChart.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const readout = page.locator("#lr-chart .u-legend .u-series >> nth=1 >> .u-value");
  const text = await readout.innerText();
  assert.match(text, /^\d\.\d+e-\d$|^0\.0\d+$/, `LR readout ${text}`);
  assert.notEqual(Number(text), 0);

  // Smoothing and the log axis change the drawn loss, not the run.
  const lossValue = page.locator("#loss-chart .u-legend .u-series >> nth=1 >> .u-value");
  await page.locator("#loss-chart .u-over").scrollIntoViewIfNeeded();
  const lossBox = (await page.locator("#loss-chart .u-over").boundingBox())!;
  const hoverLoss = async () => {
    await page.mouse.move(lossBox.x + lossBox.width * 0.3, lossBox.y + lossBox.height / 2);
    return Number(await lossValue.innerText());
  };
  const raw = await hoverLoss();
  await page.locator("#smoothing").fill("0.9");
  await page.locator("#smoothing-value", { hasText: "0.9" }).waitFor();
  const smoothed = await hoverLoss();
  assert.notEqual(smoothed, raw, "EMA changes the drawn value");
  await page.locator("#smoothing").fill("0");
  await page.locator("#log-loss").check();
  const logged = await hoverLoss();
  assert.ok(Math.abs(logged - raw) / raw < 1e-3, `log axis reads losses: ${logged} vs ${raw}`);
  const ticks = await page.locator("#loss-chart").evaluate((el) =>
    el.querySelector("canvas") !== null
  );
  assert.ok(ticks);

  // Evidence sits beside the charts, and each decision has a link.
  await page.locator('button.marker[data-rule="upscale-trial"]').first().click();
  const link = page.locator("#evidence-body a.permalink");
  const href = await link.getAttribute("href");
  assert.match(href ?? "", /^#decision-\d+$/);
  assert.ok(page.url().endsWith(href!), "the address names the decision");
  const charts = (await page.locator("#loss-chart").boundingBox())!;
  const evidence = (await page.locator("#evidence").boundingBox())!;
  assert.ok(evidence.x > charts.x + charts.width - 1, "evidence to the right of the charts");
  assert.ok(evidence.y < charts.y + charts.height, "evidence level with the charts");
  const index = Number(href!.replace("#decision-", ""));
  await page.goto(`${d.base}/runs/${run.id}#decision-${index}`);
  await page.locator(`#evidence-body dl[data-index="${index}"]`).waitFor();

  // Downloads: curves and decisions, CSV and JSON.
  const [curvesCsv] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#dl-curves-csv").click(),
  ]);
  const csv = await Deno.readTextFile((await curvesCsv.path())!);
  assert.equal(csv.split("\n")[0], "step,train_loss,val_loss,lr");
  // Every training step (0-399), plus the final evaluation's step where it has one.
  const steps = csv.trim().split("\n").slice(1).map((line) => Number(line.split(",")[0]));
  assert.deepEqual(steps.slice(0, 400), Array.from({ length: 400 }, (_, i) => i));
  const [decisionsJson] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#dl-decisions-json").click(),
  ]);
  const decisions = JSON.parse(await Deno.readTextFile((await decisionsJson.path())!));
  const view = (await d.store.get(run.id))!;
  assert.equal(decisions.length, view.decisions);
  const [decisionsCsv] = await Promise.all([
    page.waitForEvent("download"),
    page.locator("#dl-decisions-csv").click(),
  ]);
  const rows = (await Deno.readTextFile((await decisionsCsv.path())!)).trim().split("\n");
  assert.equal(rows.length, view.decisions + 1);
  assert.match(rows[0], /^index,seq,from_step,to_step,rule,v,e/);
  assert.deepEqual(d.errors, []);
});

Deno.test("run page: every rule its own colour; dark mode follows the system", async () => {
  await using d = await openDashboard({ worker: false });
  const { page } = d;
  await page.emulateMedia({ colorScheme: "dark" });
  const run = await d.store.create(trialRun(100, 0));
  await page.goto(`${d.base}/runs/${run.id}`);
  await page.locator("#run-summary dd").first().waitFor();
  const background = await page.evaluate("getComputedStyle(document.body).backgroundColor");
  assert.equal(background, "rgb(23, 24, 27)");
  const curves = await (await fetch(`${d.base}/v1/runs/${run.id}/curves`)).json();
  const colours = Object.values(curves.ruleColours) as string[];
  assert.equal(new Set(colours).size, colours.length, "no two rules share a colour");
  const swatches = await page.locator(".legend .swatch").evaluateAll((els) =>
    els.map((el) =>
      // deno-lint-ignore no-explicit-any
      (globalThis as any).getComputedStyle(el).backgroundColor as string
    )
  );
  assert.equal(new Set(swatches).size, swatches.length, "legend swatches all differ");
  await page.emulateMedia({ colorScheme: "light" });
  const light = await page.evaluate("getComputedStyle(document.body).backgroundColor");
  assert.equal(light, "rgb(255, 255, 255)");
  assert.deepEqual(d.errors, []);
});
