/**
 * The checkpoint byte format: self-describing, so a file can be inspected without the code
 * that wrote it.
 *
 * ```
 * bytes 0..7    magic "ADLRSCK1"
 * bytes 8..11   header length H, uint32 little-endian
 * bytes 12..    header: UTF-8 JSON {format, version, meta, tensors: [{name, shape}], dataBytes}
 * then          zero padding to a multiple of 4 bytes
 * then          float32 little-endian data of every tensor, in header order
 * ```
 *
 * @module
 */

const MAGIC = "ADLRSCK1";
const VERSION = 1;
const PREFIX_BYTES = MAGIC.length + 4;

// Raw Float32Array bytes are written as-is (bit-exact, NaN payloads included), which is only
// little-endian on a little-endian host; every platform Deno ships for is one.
if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  throw new Error("adalrs checkpoints need a little-endian host");
}

/** One named float32 tensor of a checkpoint. */
export interface NamedTensor {
  /** Stable name, such as `param/wte` or `adam.m/h0.attn.qkv.w`. */
  name: string;
  /** Dimensions; their product is `data.length`. */
  shape: number[];
  /** The values. */
  data: Float32Array;
}

/** A decoded checkpoint: free-form metadata plus tensors. */
export interface Checkpoint<Meta = unknown> {
  /** JSON metadata (config, optimizer step, ...). */
  meta: Meta;
  /** The tensors, in file order. */
  tensors: NamedTensor[];
}

/**
 * Encodes a checkpoint to bytes.
 *
 * @param checkpoint Metadata and tensors.
 * @returns The file contents.
 */
export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  let dataBytes = 0;
  const entries = checkpoint.tensors.map(({ name, shape, data }) => {
    if (size(shape) !== data.length) {
      throw new RangeError(`Tensor ${name} has shape [${shape}] but ${data.length} values`);
    }
    dataBytes += data.byteLength;
    return { name, shape };
  });
  const header = new TextEncoder().encode(JSON.stringify({
    format: "adalrs-checkpoint",
    version: VERSION,
    meta: checkpoint.meta,
    tensors: entries,
    dataBytes,
  }));
  const dataStart = align4(PREFIX_BYTES + header.length);
  const out = new Uint8Array(dataStart + dataBytes);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, PREFIX_BYTES);
  let offset = dataStart;
  for (const { data } of checkpoint.tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    offset += data.byteLength;
  }
  return out;
}

/**
 * Decodes checkpoint bytes, rejecting anything that is not a complete checkpoint.
 *
 * @param bytes The file contents.
 * @returns Metadata and tensors (copies, independent of `bytes`).
 */
export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  if (bytes.length < PREFIX_BYTES) {
    throw new Error(`Checkpoint is truncated: ${bytes.length} bytes, shorter than its prefix`);
  }
  const magic = new TextDecoder().decode(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) {
    throw new Error(`Not an adalrs checkpoint: magic is ${JSON.stringify(magic)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(MAGIC.length, true);
  const dataStart = align4(PREFIX_BYTES + headerLength);
  if (bytes.length < dataStart) {
    throw new Error(
      `Checkpoint is truncated: header needs ${dataStart} bytes, got ${bytes.length}`,
    );
  }
  let header: {
    version: number;
    meta: unknown;
    tensors: { name: string; shape: number[] }[];
    dataBytes: number;
  };
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)),
    );
  } catch (cause) {
    throw new Error(`Checkpoint header is not valid JSON: ${String(cause)}`, { cause });
  }
  if (
    typeof header !== "object" || header === null || !Array.isArray(header.tensors) ||
    !Number.isInteger(header.dataBytes) ||
    !header.tensors.every((t) =>
      typeof t?.name === "string" && Array.isArray(t.shape) &&
      t.shape.every((n) => Number.isInteger(n) && n >= 0)
    )
  ) {
    throw new Error("Checkpoint header is malformed: expected {version, meta, tensors, dataBytes}");
  }
  if (header.version !== VERSION) {
    throw new Error(`Checkpoint version ${header.version} is not supported (expected ${VERSION})`);
  }
  const expected = dataStart + header.dataBytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? "truncated" : "too long";
    throw new Error(`Checkpoint is ${what}: expected ${expected} bytes, got ${bytes.length}`);
  }
  let offset = dataStart;
  const tensors = header.tensors.map(({ name, shape }) => {
    const byteLength = size(shape) * 4;
    if (offset + byteLength > bytes.length) {
      throw new Error(`Checkpoint tensor ${name} runs past the end of the data`);
    }
    // slice() copies into a fresh, 4-byte-aligned buffer that the caller may keep.
    const data = new Float32Array(bytes.slice(offset, offset + byteLength).buffer);
    offset += byteLength;
    return { name, shape, data };
  });
  if (offset !== expected) {
    throw new Error(`Checkpoint data is ${header.dataBytes} bytes but its tensors need less`);
  }
  return { meta: header.meta, tensors };
}

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function align4(n: number): number {
  return Math.ceil(n / 4) * 4;
}
