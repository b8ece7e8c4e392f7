import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpuBackend.js';
import type { SurrogateBackend } from '../types.js';
import { createWebGPUBackend, type WebGPUSurrogateBackend } from './backend.js';
import { type ConformanceBackend, conformanceCases, cpuOperations } from './conformance.js';

// Dawn needs a Vulkan driver; on GPU-less machines that is Chromium's SwiftShader. The loader
// reads this when the adapter is requested, so setting it here (not in the shell) suffices.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

const cases = conformanceCases();

describe('conformance: cpu backend', () => {
  const backend: ConformanceBackend = { ...createCpuBackend(), ...cpuOperations() };
  for (const c of cases) {
    it(c.name, async () => {
      const result = await c.run(backend);
      expect(result.failures).toEqual([]);
    });
  }
});

describe('conformance: webgpu backend (Dawn)', () => {
  let gpu: WebGPUSurrogateBackend | undefined;
  beforeAll(async () => {
    gpu = await createWebGPUBackend();
  }, 60_000);
  afterAll(() => {
    gpu?.destroy();
    gpu = undefined;
  });
  for (const c of cases) {
    it(c.name, async () => {
      const result = await c.run(gpu!);
      expect(result.failures).toEqual([]);
    }, 120_000);
  }
});

export type { SurrogateBackend };
