import assert from "node:assert/strict";
import { decodeCheckpoint, encodeCheckpoint } from "../../src/train/mod.ts";

const checkpoint = () => {
  const odd = new Float32Array([1.5, -0, Infinity, NaN, 3e-42]); // a subnormal, -0, NaN
  new Uint32Array(odd.buffer)[3] = 0x7fc01234; // a NaN with a payload
  return {
    meta: { model: { layers: 1 }, t: 7, note: "ünïcode" },
    tensors: [
      { name: "param/a", shape: [5], data: odd },
      { name: "param/b", shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
      { name: "empty", shape: [0], data: new Float32Array(0) },
    ],
  };
};

Deno.test("encodeCheckpoint() and decodeCheckpoint() round-trip bit for bit", () => {
  const original = checkpoint();
  const bytes = encodeCheckpoint(original);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 8)), "ADLRSCK1");
  const decoded = decodeCheckpoint(bytes);
  assert.deepEqual(decoded.meta, original.meta);
  assert.equal(decoded.tensors.length, 3);
  decoded.tensors.forEach((t, i) => {
    assert.equal(t.name, original.tensors[i].name);
    assert.deepEqual(t.shape, original.tensors[i].shape);
    const raw = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    assert.deepEqual(raw(t.data), raw(original.tensors[i].data));
  });
  // Decoded data is a copy: scribbling over the input changes nothing.
  bytes.fill(0);
  assert.equal(decoded.tensors[1].data[5], 6);
});

Deno.test("decodeCheckpoint() rejects truncated, padded and foreign bytes", () => {
  const bytes = encodeCheckpoint(checkpoint());
  for (const cut of [0, 5, 11, 20, bytes.length - 4, bytes.length - 1]) {
    assert.throws(() => decodeCheckpoint(bytes.subarray(0, cut)), /truncated/, `cut at ${cut}`);
  }
  const longer = new Uint8Array(bytes.length + 4);
  longer.set(bytes);
  assert.throws(() => decodeCheckpoint(longer), /too long/);
  const foreign = bytes.slice();
  foreign[0] = 0x50;
  assert.throws(() => decodeCheckpoint(foreign), /Not an adalrs checkpoint/);
});

Deno.test("encodeCheckpoint() refuses a tensor whose shape does not match its data", () => {
  assert.throws(
    () =>
      encodeCheckpoint({
        meta: {},
        tensors: [{ name: "x", shape: [2, 2], data: new Float32Array(3) }],
      }),
    /shape \[2,2\] but 3 values/,
  );
});
