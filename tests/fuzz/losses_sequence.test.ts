import assert from "node:assert/strict";
import fc from "fast-check";
import { replayRun } from "../../src/replay/mod.ts";
import { FC } from "./_hostile.ts";
import { world } from "./_world.ts";

/** One post of a trainer gone wrong: a step off from the expected one, a resent key. */
interface Post {
  /** Offset from the step the run expects: 0 is right, negative overlaps, positive leaves a gap. */
  offset: number;
  count: number;
  losses: (number | string | null)[];
  /** Index of an earlier post whose idempotency key this one reuses, or null for a fresh key. */
  reuse: number | null;
}

const post: fc.Arbitrary<Post> = fc.record({
  offset: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: -6, max: 6 })),
  count: fc.integer({ min: 1, max: 7 }),
  losses: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.double({ min: 0.5, max: 6, noNaN: true }) },
      fc.constantFrom("NaN", "Infinity", "-Infinity", null),
    ),
    { minLength: 7, maxLength: 7 },
  ),
  reuse: fc.option(fc.nat({ max: 30 }), { nil: null, freq: 4 }),
});

Deno.test("fuzz POST /losses sequences: out-of-order, duplicate and retried windows store exactly the accepted posts; a key reused for other losses is a 422", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(post, { minLength: 1, maxLength: 20 }), async (posts) => {
      using w = await world();
      const id = w.external;
      let expected = (await w.store.get(id))!.controller.nextStep;
      const window = 5;
      const accepted: { fromStep: number; losses: unknown[] }[] = [];
      const answers = new Map<string, unknown>();
      const firstBodies = new Map<string, { fromStep: number; losses: unknown[] }>();
      for (const [i, p] of posts.entries()) {
        const key = p.reuse !== null && p.reuse < i ? `k${p.reuse}` : `k${i}`;
        const fromStep = Math.max(0, expected + p.offset);
        const losses = p.losses.slice(0, p.count);
        const body = JSON.stringify({ fromStep, losses, idempotencyKey: key });
        const res = await w.send("POST", `/v1/runs/${id}/losses`, body);
        const json = await res.json();
        const encoded = losses.map((x) => (x === null ? "NaN" : x));
        if (answers.has(key)) {
          // A resent key gets the first answer back and stores nothing; the same key with other
          // losses is refused (422), never answered as if they had been recorded.
          const first = firstBodies.get(key)!;
          const same = first.fromStep === fromStep &&
            JSON.stringify(first.losses) === JSON.stringify(encoded);
          assert.equal(res.status, same ? 200 : 422, JSON.stringify(json));
          if (same) assert.deepEqual(json, answers.get(key));
          else assert.match(json.error.message, /was used for other losses/);
          continue;
        }
        const windowLeft = window - ((expected - 30) % window);
        const valid = fromStep === expected && p.count <= windowLeft;
        assert.equal(res.status, valid ? 200 : 409, JSON.stringify({ json, expected, fromStep }));
        if (!valid) {
          assert.match(json.error.message, /gap|overlaps|past the end/);
          assert.equal(json.error.expectedStep, expected);
          continue;
        }
        answers.set(key, json);
        firstBodies.set(key, { fromStep, losses: encoded });
        accepted.push({ fromStep, losses: encoded });
        expected = json.nextStep;
      }
      const events = await w.store.read(id);
      assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i), "seqs are dense");
      const windows = events.filter((e) => e.type === "LossWindowRecorded").slice(6);
      assert.deepEqual(
        windows.map((e) => e.type === "LossWindowRecorded" && [e.data.fromStep, e.data.losses]),
        accepted.map((a) => [a.fromStep, a.losses]),
      );
      assert.equal(replayRun(events).different, 0);
    }),
    { ...FC, numRuns: 60 },
  );
});
