/**
 * WebGPU device errors, made loud. WebGPU reports an invalid pipeline or a failed allocation
 * only as an `uncapturederror` event, and tfjs listens to none: the computation that hit it
 * returns zeros or stale memory. Recorded here, the trainer turns it into a failed step.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

let deviceError: string | null = null;
const watched = new WeakSet<GPUDevice>();

/** Listens for the active webgpu backend's device errors. Call once the backend is active. */
export function watchWebgpuErrors(): void {
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  if (device === undefined || watched.has(device)) return;
  watched.add(device);
  device.addEventListener("uncapturederror", (event) => {
    deviceError ??= (event as GPUUncapturedErrorEvent).error.message;
  });
}

/**
 * Throws (once) when the WebGPU device has reported an error since the last call: the results
 * computed since then cannot be trusted. A no-op on other backends.
 */
export function throwOnWebgpuError(): void {
  if (deviceError === null) return;
  const message = deviceError;
  deviceError = null;
  throw new Error(
    `The WebGPU device reported an error, so this step's results are invalid: ${
      message.split("\n")[0]
    }`,
  );
}
