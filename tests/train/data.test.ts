import assert from "node:assert/strict";
import {
  createDataset,
  decode,
  encode,
  loadCorpus,
  sampleBatch,
  unigramEntropy,
} from "../../src/train/mod.ts";

const options = { corpus: "moby-dick" as const, batchSize: 4, contextLength: 16, seed: 7 };

Deno.test("encode() and decode() round-trip UTF-8 bytes", () => {
  const text = "Call me Ishmael — «whale» 🐋";
  const tokens = encode(text);
  assert.equal(tokens.length, new TextEncoder().encode(text).length);
  assert.ok(tokens.every((t) => t >= 0 && t < 256));
  assert.equal(decode(tokens), text);
  assert.equal(decode(Array.from(tokens)), text);
  assert.throws(() => decode([256]), /0\.\.255/);
});

Deno.test("loadCorpus() joins both bundled corpora into long texts", () => {
  const moby = loadCorpus("moby-dick");
  assert.ok(moby.length > 1_000_000, `moby-dick has ${moby.length} chars`);
  assert.match(moby, /Call me Ishmael/);
  const sotu = loadCorpus("sotu");
  assert.ok(sotu.length > 10_000_000, `sotu has ${sotu.length} chars`);
  assert.match(sotu.slice(0, 2000), /Fellow-Citizens/); // 1790 comes first
});

Deno.test("createDataset() holds out the last validationFraction of the stream", () => {
  const tokens = encode(loadCorpus("moby-dick"));
  const data = createDataset({ ...options, validationFraction: 0.2 });
  assert.equal(data.train.length + data.validation.length, tokens.length);
  assert.equal(data.train.length, Math.floor(tokens.length * 0.8));
  assert.deepEqual(data.validation.slice(-100), tokens.slice(-100));
  assert.throws(() => createDataset({ ...options, validationFraction: 1 }), /validationFraction/);
});

Deno.test("trainBatch() is a pure function of (seed, step) and differs across steps", () => {
  const a = createDataset(options);
  const b = createDataset(options);
  const first = a.trainBatch(3);
  assert.deepEqual(b.trainBatch(3), first); // a second dataset, same seed: same batch
  assert.deepEqual(a.trainBatch(3), first); // asking again, after other steps: same batch
  assert.notDeepEqual(a.trainBatch(4).inputs, first.inputs);
  assert.notDeepEqual(createDataset({ ...options, seed: 8 }).trainBatch(3).inputs, first.inputs);
  assert.equal(first.inputs.length, 4 * 16);
  // Targets are the inputs shifted by one, inside each window.
  for (let row = 0; row < 4; row++) {
    const i = first.inputs.subarray(row * 16, row * 16 + 16);
    const t = first.targets.subarray(row * 16, row * 16 + 16);
    assert.deepEqual(i.subarray(1), t.subarray(0, 15));
  }
  // Every window is a real slice of the training stream.
  const text = decode(a.train);
  assert.ok(text.includes(decode(Uint8Array.from(first.inputs.subarray(0, 16)))));
});

Deno.test("validationBatch() is fixed by the seed and drawn from the held-out split", () => {
  const data = createDataset(options);
  assert.deepEqual(createDataset(options).validationBatch(0), data.validationBatch(0));
  assert.notDeepEqual(data.validationBatch(1).inputs, data.validationBatch(0).inputs);
  assert.notDeepEqual(data.validationBatch(0).inputs, data.trainBatch(0).inputs);
  const held = decode(data.validation);
  const window = decode(Uint8Array.from(data.validationBatch(0).inputs.subarray(0, 16)));
  assert.ok(held.includes(window));
});

Deno.test("sampleBatch() starts windows anywhere, including the last valid offset", () => {
  const stream = Uint8Array.from({ length: 20 }, (_, i) => i);
  const last = sampleBatch(stream, 1, 4, () => 0.999999);
  assert.deepEqual(Array.from(last.inputs), [15, 16, 17, 18]);
  assert.deepEqual(Array.from(last.targets), [16, 17, 18, 19]);
  const first = sampleBatch(stream, 1, 4, () => 0);
  assert.deepEqual(Array.from(first.inputs), [0, 1, 2, 3]);
});

Deno.test("unigramEntropy() is ln 256 for uniform bytes and 0 for one symbol", () => {
  const uniform = Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256);
  assert.ok(Math.abs(unigramEntropy(uniform) - Math.log(256)) < 1e-12);
  assert.equal(unigramEntropy(new Uint8Array(10)), 0);
  const moby = unigramEntropy(encode(loadCorpus("moby-dick")));
  assert.ok(moby > 2.5 && moby < 3.5, `moby-dick unigram entropy ${moby}`);
});
