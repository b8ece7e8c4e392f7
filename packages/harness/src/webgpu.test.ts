import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { getWebGPUDevice, useBackend } from './backend.js';
import { splitDataset } from './dataset.js';
import { resolveModelConfig } from './model.js';
import { loadDigitsSync } from './node.js';
import { trainModel } from './train.js';

// Dawn (npm `webgpu`) on Chromium's SwiftShader: real WebGPU on a machine without a GPU.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

async function installNavigatorGpu(): Promise<boolean> {
  try {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    if (!(await gpu.requestAdapter())) return false;
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    return true;
  } catch {
    return false;
  }
}

const hasGpu = await installNavigatorGpu();

// CI installs Chromium's SwiftShader, so there a missing adapter is a failure, not a skip.
if (process.env.CI && !hasGpu)
  throw new Error('CI: no WebGPU adapter (is chromium with SwiftShader installed?)');

describe.skipIf(!hasGpu)('the webgpu backend (Dawn + SwiftShader)', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('trains on WebGPU, exposes its GPUDevice, and leaves no tensors', async () => {
    expect(await useBackend('webgpu')).toBe('webgpu');
    const device = getWebGPUDevice();
    expect(typeof device?.createBuffer).toBe('function');
    expect(device?.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    // The device is usable by others (the GP): a buffer round trip on it.
    const buffer = device!.createBuffer({ size: 16, usage: GPUBufferUsage.STORAGE });
    buffer.destroy();

    const data = splitDataset(loadDigitsSync(), { seed: 0 });
    const before = tf.memory().numTensors;
    const r = await trainModel(
      data,
      resolveModelConfig({ units: 16, batchSize: 128, learningRate: 0.01 }, { trainSize: 1000 }),
      { epochs: 2, seed: 0 },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(r.best.valAccuracy).toBeGreaterThan(0.5);

    expect(await useBackend('cpu')).toBe('cpu');
    expect(getWebGPUDevice()).toBeUndefined();
  }, 120_000);
});
