/**
 * The webgpu backend on whatever adapter this machine has: in CI, Mesa's software llvmpipe
 * (`mesa-vulkan-drivers`), which runs tfjs's WGSL shaders on the CPU. Not a `.test.ts` file:
 * `webgpu.test.ts` runs it in a `deno test` process of its own, so the driver never loads into the
 * test runner.
 */

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import {
  describeAdapter,
  explainVulkanSetup,
  initBackend,
  probeVulkanSetup,
} from "../../src/train/mod.ts";
import { assertClose } from "../blas/_both_ways.ts";
import { runSteps, tinyTrainer } from "./_tiny.ts";

Deno.test("initBackend('webgpu') runs on a WebGPU adapter and names it", async () => {
  const { info, ops } = await initBackend("webgpu");
  assert.equal(ops.name, "reference", "WebGPU runs the reference ops");
  assert.deepEqual([info.name, info.version, tf.getBackend()], ["webgpu", "4.22.0", "webgpu"]);
  assert.ok(info.adapter, "the adapter is reported");
  assert.ok(info.adapter.description || info.adapter.vendor, JSON.stringify(info.adapter));
  assert.equal(info.accelerator, describeAdapter(info.adapter));
  assert.match(info.accelerator, /^WebGPU on .+, vendor /);
  assert.equal(typeof info.adapter.fallback, "boolean");
  // It computes on the adapter, not just claims to.
  const sum = tf.tidy(() => tf.sum(tf.tensor1d([1, 2, 3.5])));
  assert.deepEqual(Array.from(await sum.data()), [6.5]);
  sum.dispose();
});

Deno.test("addN on webgpu sums more inputs than one shader can bind", async () => {
  await initBackend("webgpu");
  // tfjs's own kernel binds every input at once: past 7 the pipeline is invalid and the sum
  // silently comes back as zeros. The AdamW gradient norm adds one term per parameter.
  for (const n of [2, 7, 8, 16, 50]) {
    const sum = tf.tidy(() => tf.addN(Array.from({ length: n }, (_, i) => tf.fill([3], i + 1))));
    assert.deepEqual(Array.from(await sum.data()), Array(3).fill((n * (n + 1)) / 2), `n = ${n}`);
    sum.dispose();
  }
});

Deno.test("the GPT trains on webgpu to the wasm losses: same seed, same batches", async () => {
  const wasm = await tinyTrainer(1, "wasm");
  const want = await runSteps(wasm, 0, 6);
  wasm.dispose();
  const gpu = await tinyTrainer(1, "webgpu");
  const before = tf.memory().numTensors;
  const got = await runSteps(gpu, 0, 6);
  assert.equal(tf.memory().numTensors, before, "tensors leaked across steps");
  gpu.dispose();
  assertClose(got, want, "losses");
  assert.ok(got[5] < got[0], `the loss went down: ${got}`);
});

Deno.test("a checkpoint written on one backend resumes on the other", async () => {
  // wasm -> webgpu at step 3.
  const wasm = await tinyTrainer(2, "wasm");
  await runSteps(wasm, 0, 3);
  const atThree = await wasm.serialize();
  const wasmOn = await runSteps(wasm, 3, 6);
  wasm.dispose();
  const gpu = await tinyTrainer(2, "webgpu");
  await gpu.load(atThree);
  assertClose(await runSteps(gpu, 3, 6), wasmOn, "webgpu after a wasm checkpoint");
  // webgpu -> wasm at step 6.
  const atSix = await gpu.serialize();
  const gpuOn = await runSteps(gpu, 6, 9);
  gpu.dispose();
  const back = await tinyTrainer(2, "wasm");
  await back.load(atSix);
  assertClose(await runSteps(back, 6, 9), gpuOn, "wasm after a webgpu checkpoint");
  back.dispose();
});

Deno.test("a WebGPU device error fails the training step instead of returning garbage", async () => {
  const gpu = await tinyTrainer(3, "webgpu");
  try {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    device.createBuffer({ size: 4, usage: 0 }); // invalid: a buffer needs a usage
    await assert.rejects(() => gpu.step(0, 1e-3), /WebGPU device reported an error.*usage/i);
    // Reported once: the trainer is usable again.
    assert.ok(Number.isFinite(await gpu.step(1, 1e-3)));
  } finally {
    gpu.dispose();
  }
});

Deno.test("explainVulkanSetup() names what is missing for a WebGPU adapter, and its package", () => {
  const bare = explainVulkanSetup({ loader: null, drivers: [], nvidiaGpu: false });
  assert.match(bare, /libvulkan\.so\.1 is missing \(Debian: apt-get install libvulkan1\)/);
  assert.match(bare, /No Vulkan driver is installed/);
  assert.match(bare, /apt-get install mesa-vulkan-drivers/);
  const loader = "/usr/lib/x86_64-linux-gnu/libvulkan.so.1";
  const lavapipe = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
  // A GPU machine with only the software driver: the GPU's own Vulkan driver is what is missing.
  const gpu = explainVulkanSetup({ loader, drivers: [lavapipe], nvidiaGpu: true });
  assert.match(gpu, /NVIDIA GPU is present, but not its Vulkan driver.*nvidia-vulkan-icd/);
  assert.match(gpu, /NVIDIA_DRIVER_CAPABILITIES/);
  assert.doesNotMatch(gpu, /libvulkan1|mesa-vulkan-drivers/);
  const nvidia = "/usr/share/vulkan/icd.d/nvidia_icd.json";
  const ready = explainVulkanSetup({ loader, drivers: [nvidia], nvidiaGpu: true });
  assert.equal(ready, `Vulkan drivers installed: ${nvidia}.`);
});

Deno.test("probeVulkanSetup() sees this machine's loader and drivers", () => {
  const setup = probeVulkanSetup();
  // Whatever adapter the tests above ran on came through a loader and a driver found here.
  assert.match(setup.loader ?? "", /libvulkan\.so\.1$/);
  assert.ok(setup.drivers.some((path) => path.endsWith(".json")), JSON.stringify(setup));
});
