import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { createDataset, createTrainer, initBackend, unigramEntropy } from "../../src/train/mod.ts";
import { bytesEqual, liveTensors, runSteps, TINY_MODEL, tinyTrainer } from "./_tiny.ts";

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test("Trainer.step() lowers the loss on wasm within a few dozen steps", async () => {
  const trainer = await tinyTrainer(1);
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(trainer.tokensPerStep, 4 * 16);
  assert.equal(trainer.parameterCount, 21_472);
  const before = await trainer.evaluate(4);
  const losses = await runSteps(trainer, 0, 60, 1e-2);
  const after = await trainer.evaluate(4);
  assert.ok(Math.abs(losses[0] - Math.log(256)) < 0.05, `first loss ${losses[0]}`);
  assert.ok(mean(losses.slice(-10)) < losses[0] - 2, `losses ${losses[0]} -> ${losses.at(-1)}`);
  assert.ok(after < before - 2, `validation ${before} -> ${after}`);
  trainer.dispose();
});

Deno.test("Trainer learns context: validation loss drops below the unigram entropy", async () => {
  // A model that only learned byte frequencies would stop at the unigram entropy (~3.07 nats
  // here); getting under it needs attention and position embeddings to work.
  const trainer = createTrainer({
    model: TINY_MODEL,
    data: { corpus: "moby-dick" },
    batchSize: 16,
    seed: 1,
    optimizer: {},
    backend: await initBackend("wasm"),
  });
  await runSteps(trainer, 0, 200, 3e-3);
  const validation = await trainer.evaluate(8);
  const data = createDataset({ corpus: "moby-dick", batchSize: 16, contextLength: 16, seed: 1 });
  const baseline = unigramEntropy(data.validation);
  assert.ok(validation < baseline - 0.15, `validation ${validation} vs unigram ${baseline}`);
  trainer.dispose();
});

Deno.test("two fresh trainers with the same seed give identical losses", async () => {
  const a = await tinyTrainer(11);
  const b = await tinyTrainer(11);
  const c = await tinyTrainer(12);
  const [la, lb, lc] = [await runSteps(a, 0, 8), await runSteps(b, 0, 8), await runSteps(c, 0, 8)];
  assert.deepEqual(la, lb);
  assert.notDeepEqual(la, lc);
  assert.ok(la.every(Number.isFinite));
  [a, b, c].forEach((t) => t.dispose());
});

Deno.test("snapshot() and restore() bring back weights and optimizer state bit for bit", async () => {
  const trainer = await tinyTrainer(2);
  await runSteps(trainer, 0, 5);
  const saved = await trainer.serialize();
  const snapshot = trainer.snapshot();
  assert.equal(snapshot.t, 5);
  assert.equal(snapshot.tensors.size, 3 * 16); // params, m, v
  const ahead = await runSteps(trainer, 5, 10);
  assert.ok(!bytesEqual(await trainer.serialize(), saved)); // training did move the state
  trainer.restore(snapshot);
  assert.ok(bytesEqual(await trainer.serialize(), saved));
  // Replaying the same steps from the snapshot reproduces the same losses, twice.
  assert.deepEqual(await runSteps(trainer, 5, 10), ahead);
  trainer.restore(snapshot);
  assert.deepEqual(await runSteps(trainer, 5, 10), ahead);
  trainer.disposeSnapshot(snapshot);
  assert.throws(() => trainer.restore(snapshot), /disposed/);
  trainer.dispose();
});

Deno.test("serialize() and load() round-trip bit for bit into a fresh trainer", async () => {
  const trainer = await tinyTrainer(3);
  await runSteps(trainer, 0, 4);
  const bytes = await trainer.serialize();
  const ahead = await runSteps(trainer, 4, 8);
  const fresh = await tinyTrainer(3); // at step 0: different weights until load()
  assert.ok(!bytesEqual(await fresh.serialize(), bytes));
  await fresh.load(bytes);
  assert.ok(bytesEqual(await fresh.serialize(), bytes));
  assert.deepEqual(await runSteps(fresh, 4, 8), ahead); // continues exactly like the original
  trainer.dispose();
  fresh.dispose();
});

Deno.test("load() rejects truncated bytes and other models, leaving the trainer as it was", async () => {
  const trainer = await tinyTrainer(4);
  const bytes = await trainer.serialize();
  await assert.rejects(() => trainer.load(bytes.subarray(0, bytes.length - 10)), /truncated/);
  await assert.rejects(() => trainer.load(bytes.subarray(0, 30)), /truncated/);
  const wider = createTrainer({
    model: { ...TINY_MODEL, width: 64 },
    data: { corpus: "moby-dick" },
    batchSize: 4,
    seed: 4,
    optimizer: {},
    backend: await initBackend("wasm"),
  });
  await assert.rejects(() => wider.load(bytes), /does not match/);
  assert.ok(bytesEqual(await trainer.serialize(), bytes));
  trainer.dispose();
  wider.dispose();
});

Deno.test("Trainer keeps the live tensor count flat across steps, evals and snapshots", async () => {
  const base = liveTensors();
  const trainer = await tinyTrainer(5);
  const held = liveTensors();
  assert.equal(held - base, 3 * 16);
  await runSteps(trainer, 0, 3);
  assert.equal(liveTensors(), held);
  await trainer.evaluate(2);
  const snapshot = trainer.snapshot();
  await runSteps(trainer, 3, 6);
  trainer.restore(snapshot);
  trainer.disposeSnapshot(snapshot);
  await trainer.serialize();
  assert.equal(liveTensors(), held);
  trainer.dispose();
  assert.equal(liveTensors(), base);
});

Deno.test("Trainer.step() returns a non-finite loss instead of throwing", async () => {
  const trainer = await tinyTrainer(6);
  await trainer.step(0, 1e30); // weights jump to ~1e30: logits overflow
  const losses = await runSteps(trainer, 1, 3, 1e30);
  assert.ok(losses.some((l) => !Number.isFinite(l)), `losses ${losses}`);
  trainer.dispose();
});

Deno.test("wasm and cpu agree on the first losses to float tolerance", async () => {
  const wasm = await tinyTrainer(7, "wasm");
  const onWasm = await runSteps(wasm, 0, 5);
  wasm.dispose();
  const cpu = await tinyTrainer(7, "cpu");
  assert.equal(tf.getBackend(), "cpu");
  const onCpu = await runSteps(cpu, 0, 5);
  cpu.dispose();
  await tinyTrainer(7, "wasm").then((t) => t.dispose()); // leave wasm active for other files
  onWasm.forEach((l, i) => {
    const rel = Math.abs(l - onCpu[i]) / Math.abs(onCpu[i]);
    assert.ok(rel < 1e-4, `step ${i}: wasm ${l} vs cpu ${onCpu[i]}`);
  });
  assert.ok(onWasm[4] < onWasm[0]); // the comparison is between runs that actually train
});
