/**
 * The few parts of tfjs-backend-wasm's `BackendWasm` the BLAS kernels touch, described by shape
 * so that this module needs no import of the backend package.
 *
 * @module
 */

import type * as tf from "@tensorflow/tfjs-core";

/** What the kernels use of a `BackendWasm`: its heap, its data map, its allocator. */
export interface WasmBackendLike {
  /** The Emscripten module; `HEAPU8` spans the whole heap and is replaced when it grows. */
  wasm: { HEAPU8: Uint8Array };
  /** Where each tensor's bytes start in the heap. */
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  /** Allocates an output tensor in the heap (uninitialised). */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/**
 * Tells whether an object is a tfjs wasm backend whose heap the kernels can address.
 *
 * @param backend Any tfjs backend.
 * @returns True for a `BackendWasm`.
 */
export function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | null;
  return b?.wasm?.HEAPU8 instanceof Uint8Array && typeof b.makeOutput === "function" &&
    typeof b.dataIdMap?.get === "function";
}

/**
 * The byte offset of a tensor's data in the wasm heap.
 *
 * @param backend The wasm backend holding it.
 * @param info The tensor.
 * @returns The offset; throws for a tensor the backend does not hold.
 */
export function heapOffset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (data === undefined) throw new Error("BLAS kernel: input tensor has no data on wasm");
  return data.memoryOffset;
}
