import assert from "node:assert/strict";
import {
  gridLr,
  initialIndices,
  missingAround,
  offsetLabel,
  offsetSlug,
  pickFit,
} from "../../../src/research/experiment/mod.ts";

Deno.test("gridLr() is center times spacing to the index", () => {
  const grid = { center: 1e-3, spacing: 3 };
  assert.equal(gridLr(grid, 0), 1e-3);
  assert.ok(Math.abs(gridLr(grid, -2) / (1e-3 / 9) - 1) < 1e-12);
  assert.ok(Math.abs(gridLr(grid, 3) / 27e-3 - 1) < 1e-12);
  assert.throws(() => gridLr({ center: 1e-3, spacing: 1 }, 1), /spacing > 1/);
  assert.throws(() => gridLr({ center: 0, spacing: 3 }, 1), /center > 0/);
});

Deno.test("initialIndices() centres the grid, the extra point of an even grid above", () => {
  assert.deepEqual(initialIndices(7), [-3, -2, -1, 0, 1, 2, 3]);
  assert.deepEqual(initialIndices(8), [-3, -2, -1, 0, 1, 2, 3, 4]);
  assert.deepEqual(initialIndices(1), [0]);
  assert.throws(() => initialIndices(0), /at least|>= 1/);
  assert.throws(() => initialIndices(2.5), />= 1/);
});

Deno.test("pickFit() takes the lowest finite loss; diverged runs never win; ties go low", () => {
  assert.deepEqual(
    pickFit([
      { index: -1, finalValLoss: 2.5 },
      { index: 0, finalValLoss: 2.1 },
      { index: 1, finalValLoss: NaN },
      { index: 2, finalValLoss: Infinity },
    ]),
    { index: 0, finalValLoss: 2.1 },
  );
  assert.equal(pickFit([{ index: 0, finalValLoss: NaN }]), null);
  assert.equal(pickFit([]), null);
  assert.equal(
    pickFit([{ index: 2, finalValLoss: 2 }, { index: 1, finalValLoss: 2 }])?.index,
    1,
  );
});

Deno.test("missingAround() extends a grid whose best point is at or near an edge", () => {
  const grid = initialIndices(7);
  assert.deepEqual(missingAround(0, grid, 2), [], "a centred fit needs nothing");
  assert.deepEqual(missingAround(-3, grid, 2), [-5, -4], "fit at the low edge");
  assert.deepEqual(missingAround(2, grid, 2), [4], "fit next to the high edge");
  assert.deepEqual(missingAround(3, grid, 1), [4]);
  assert.deepEqual(missingAround(3, grid, 0), []);
});

Deno.test("offsetLabel() and offsetSlug() name points relative to the fit", () => {
  assert.deepEqual([-2, -1, 0, 1, 2].map((o) => offsetLabel(3, o)), [
    "fit/9",
    "fit/3",
    "fit",
    "fit·3",
    "fit·9",
  ]);
  assert.deepEqual([-2, 0, 1].map((o) => offsetSlug(3, o)), ["fit-div9", "fit", "fit-x3"]);
  assert.equal(offsetSlug(1.5, 1), "fit-x1p5");
});
