/**
 * AddN for the webgpu backend, in chunks the device can bind.
 *
 * tfjs's WebGPU AddN binds every input as a storage buffer of one shader; past the device's
 * limit (8 per stage by default, one of them the output) the pipeline is invalid and the sum
 * comes back as zeros or stale memory, silently. AdamW's global gradient norm adds one term per
 * parameter (16 for the smallest GPT), so this kernel sums in chunks through the original one.
 *
 * @module
 */

import * as tf from "@tensorflow/tfjs-core";

/**
 * Replaces the webgpu backend's AddN kernel with the chunked one. Idempotent; a no-op until
 * the tfjs WebGPU package has registered its kernels.
 */
export function installChunkedAddN(): void {
  const original = tf.getKernel(tf.AddN, "webgpu");
  if (original === undefined || chunked.has(original.kernelFunc)) return;
  const kernelFunc = chunkedAddN(original.kernelFunc);
  chunked.add(kernelFunc);
  tf.unregisterKernel(tf.AddN, "webgpu");
  tf.registerKernel({ ...original, kernelFunc });
}

const chunked = new WeakSet<tf.KernelFunc>();

type KernelArgs = Parameters<tf.KernelFunc>[0];

function chunkedAddN(reference: tf.KernelFunc): tf.KernelFunc {
  const add = (args: KernelArgs, terms: tf.TensorInfo[]) =>
    reference({ ...args, inputs: terms as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
  return (args) => {
    const backend = args.backend as tf.KernelBackend & { device: GPUDevice };
    const perShader = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    let terms = args.inputs as unknown as tf.TensorInfo[];
    const partials: tf.TensorInfo[] = [];
    while (terms.length > perShader) {
      const next: tf.TensorInfo[] = [];
      for (let i = 0; i < terms.length; i += perShader) {
        const chunk = terms.slice(i, i + perShader);
        const partial = chunk.length === 1 ? chunk[0] : add(args, chunk);
        if (chunk.length > 1) partials.push(partial);
        next.push(partial);
      }
      terms = next;
    }
    const sum = add(args, terms);
    for (const partial of partials) backend.disposeData(partial.dataId);
    return sum;
  };
}
