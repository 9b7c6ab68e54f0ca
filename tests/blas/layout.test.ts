import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { initBackend } from "../../src/train/backend.ts";
import { assertClose, bothWays } from "./_both_ways.ts";

await initBackend("wasm");

const values = (shape: number[], dtype: "float32" | "int32" = "float32") => {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Array.from(
    { length: size },
    (_, i) => (i * 7919) % 1000 - 500 + (dtype === "float32" ? 0.25 : 0),
  );
  return tf.tensor(data, shape, dtype);
};
const read = (t: tf.Tensor) => ({ shape: t.shape, dtype: t.dtype, data: [...t.dataSync()] });

Deno.test("Transpose on the BLAS path is bit-identical to the wasm kernel", async () => {
  const cases: [number[], number[], ("float32" | "int32")?][] = [
    [[4, 6, 3, 2, 5], [2, 0, 3, 1, 4]], // the attention's 5-D split, in miniature
    [[3, 4, 2, 6, 5], [1, 3, 0, 2, 4]],
    [[33, 65], [1, 0]],
    [[1, 1024, 384], [2, 0, 1]], // collapses to a 2-D transpose
    [[3, 7, 9], [0, 2, 1]],
    [[2, 3, 4], [2, 0, 1]],
    [[2, 3, 4, 5], [0, 2, 1, 3], "int32"],
    [[2, 3, 4, 5], [0, 2, 1, 3]],
    [[4, 3, 5], [2, 1, 0]], // last axis moves and not a matrix: falls back
    [[1, 5, 1, 7], [3, 2, 1, 0]],
    [[8, 3, 100], [1, 0, 2]], // long runs
    [[5, 6], [0, 1]], // no-op
    [[7, 9], [1, 0], "int32"], // int32 matrix: falls back
  ];
  const run = () =>
    cases.map(([shape, perm, dtype]) =>
      tf.tidy(() => read(tf.transpose(values(shape, dtype), perm)))
    );
  const { ref, got } = await bothWays(run);
  cases.forEach((c, i) => assert.deepEqual(got[i], ref[i], JSON.stringify(c)));
});

Deno.test("Sum over leading axes on the BLAS path matches the wasm kernel", async () => {
  const cases: [number[], number | number[], boolean, ("float32" | "int32")?][] = [
    [[1, 33, 65], [0, 1], false],
    [[7, 5], 0, false],
    [[7, 5], 0, true],
    [[3, 4, 5], [1, 0], true],
    [[3, 4, 5], 2, false], // innermost: falls back
    [[3, 4, 5], [0, 2], false], // not a block: falls back
    [[6, 4], 0, false, "int32"],
    [[6, 4], [0, 1], false], // full reduction: falls back
    [[0, 5], 0, false],
  ];
  const run = () =>
    cases.map(([shape, axis, keep, dtype]) =>
      tf.tidy(() => read(tf.sum(values(shape, dtype), axis, keep)))
    );
  const { ref, got } = await bothWays(run);
  cases.forEach((c, i) => {
    assert.deepEqual([got[i].shape, got[i].dtype], [ref[i].shape, ref[i].dtype], JSON.stringify(c));
    assertClose(got[i].data, ref[i].data, JSON.stringify(c));
  });
});

Deno.test("Concat and SplitV on the BLAS path are bit-identical to the wasm kernels", async () => {
  const run = () =>
    tf.tidy(() => [
      read(tf.concat([values([7, 3]), values([7, 5]), values([7, 1])], 1)),
      read(tf.concat([values([2, 3]), values([4, 3])], 0)),
      read(tf.concat([values([2, 3, 4], "int32"), values([2, 3, 2], "int32")], -1)),
      read(tf.concat([values([2, 300]), values([2, 300])], 1)),
      read(tf.concat([values([2, 0]), values([2, 3])], 1)), // empty part: falls back
      ...tf.split(values([7, 9]), 3, 1).map(read),
      ...tf.split(values([7, 9]), [2, 3, 4], 1).map(read),
      ...tf.split(values([6, 4]), 2, 0).map(read),
      ...tf.split(values([2, 6, 300], "int32"), [1, 5], 1).map(read),
    ]);
  const { ref, got } = await bothWays(run);
  assert.deepEqual(got, ref);
});

Deno.test("Identity on the BLAS path shares the buffer and survives disposing the source", async () => {
  const { ref, got } = await bothWays(() => {
    const x = values([33, 7]);
    const before = tf.engine().backend.numDataIds();
    const y = tf.clone(x);
    const shared = tf.engine().backend.numDataIds() === before;
    x.dispose();
    const out = { shared, data: read(y) };
    y.dispose();
    return out;
  });
  assert.equal(ref.shared, false); // the wasm kernel copies
  assert.equal(got.shared, true);
  assert.deepEqual(got.data, ref.data);
});
