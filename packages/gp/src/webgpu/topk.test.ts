import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCpuBackend } from '../cpuBackend.js';
import { fitGP } from '../fit.js';
import { mulberry32 } from '../random.js';
import type { AcquisitionSpec } from '../types.js';
import { createWebGPUBackend, type WebGPUSurrogateBackend } from './backend.js';
import { problem } from './conformance.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

describe('webgpu: non-finite values', () => {
  let gpu: WebGPUSurrogateBackend | undefined;
  beforeAll(async () => {
    gpu = await createWebGPUBackend();
  }, 60_000);
  afterAll(() => {
    gpu?.destroy();
    gpu = undefined;
  });

  it('ranks them last as −∞ with their own index, like the CPU backend', async () => {
    const rand = mulberry32(7);
    const d = 2;
    const n = 6;
    const x = Float64Array.from({ length: n * d }, () => rand());
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(3 * x[i * d]!) + x[i * d + 1]!);
    const gp = fitGP(x, y, n, { kernel: { kind: 'matern52', d } });
    const m = 8;
    const xc = Float64Array.from({ length: m * d }, () => rand());
    xc[3 * d] = Number.NaN;
    const acq: AcquisitionSpec = { kind: 'logEI', best: -1 };
    const cpu = await createCpuBackend().scoreTopK(gp, xc, m, acq, m);
    const got = await gpu!.scoreTopK(gp, xc, m, acq, m);
    expect(Array.from(cpu.index).at(-1)).toBe(3);
    expect(cpu.value.at(-1)).toBe(Number.NEGATIVE_INFINITY);
    expect(Array.from(got.index).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(got.index.at(-1)).toBe(3);
    expect(got.value.at(-1)).toBe(Number.NEGATIVE_INFINITY);
  }, 120_000);
  it('conditionAndScoreTopK and logMarginalLikelihood reject non-finite ys before any work', async () => {
    const p = problem(5, 'rbf', 6, 2, 16);
    const ys = Float64Array.from(p.ys);
    ys[1] = Number.NaN;
    const acq: AcquisitionSpec = { kind: 'ucb', best: 0 };
    await expect(async () =>
      gpu!.conditionAndScoreTopK(p.spec, p.params, p.x, ys, p.n, p.xc, p.m, acq, 1),
    ).rejects.toThrow('ys[1]: NaN must be finite');
    await expect(async () =>
      gpu!.logMarginalLikelihood(p.spec, p.params, p.x, ys, p.n),
    ).rejects.toThrow('ys[1]: NaN must be finite');
  }, 60_000);
});
