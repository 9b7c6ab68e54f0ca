/** The byte-bigram reference model: what `controlVariate` fits each window against. */
import assert from "node:assert/strict";
import { bigramLoss, createDataset, fitBigram, unigramEntropy } from "../../src/train/mod.ts";
import { runSteps, tinyTrainer } from "./_tiny.ts";

Deno.test("the bigram of the training split predicts bytes better than their frequencies", () => {
  const data = createDataset({ corpus: "moby-dick", contextLength: 16, batchSize: 64, seed: 3 });
  const nll = fitBigram(data.train);
  const losses = [0, 1, 2, 3].map((i) => bigramLoss(nll, data.validationBatch(i)));
  const mean = losses.reduce((a, b) => a + b) / losses.length;
  assert.ok(mean > 1.5 && mean < unigramEntropy(data.train) - 0.5, `bigram ${mean}`);
  // A pair never seen costs a finite loss, not Infinity.
  assert.ok(Number.isFinite(nll[0]) && nll[0] > 5);
});

Deno.test("Trainer.referenceLoss is the bigram on the step's batch, and moves with the GPT's loss", async () => {
  const trainer = await tinyTrainer(1);
  try {
    const losses = await runSteps(trainer, 0, 300);
    const refs = Array.from({ length: 300 }, (_, s) => trainer.referenceLoss(s));
    assert.equal(trainer.referenceLoss(7), refs[7], "a pure function of the step");
    const data = createDataset({ corpus: "moby-dick", contextLength: 16, batchSize: 4, seed: 1 });
    assert.equal(refs[7], bigramLoss(fitBigram(data.train), data.trainBatch(7)));
    // Once the GPT has learned a little, a batch hard for the bigram is hard for it too.
    const r = correlation(losses.slice(200), refs.slice(200));
    assert.ok(r > 0.4, `correlation ${r}`);
  } finally {
    trainer.dispose();
  }
});

function correlation(a: number[], b: number[]): number {
  const mean = (x: number[]) => x.reduce((s, v) => s + v) / x.length;
  const [ma, mb] = [mean(a), mean(b)];
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}
