import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquisitionValues, acquisitionWithGradient } from '../acquisition.js';
import { scoreTopKSync } from '../cpuBackend.js';
import { createGPFactor } from '../factor.js';
import { posterior } from '../posterior.js';
import { mulberry32 } from '../random.js';
import type { AcquisitionKind, FittedGP } from '../types.js';
import { createWebGPUBackend, type WebGPUSurrogateBackend } from './backend.js';
import { clusteredProblem, deterministicProblem, problem } from './conformance.js';
import { findAdapter } from './device.js';
import { checkDf64 } from './df64Check.js';
import { Engine } from './engine.js';
import { ResidentModel } from './resident.js';
import { ExactScoring } from './scoring.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

describe('the screen (SCREEN shader): an upper bound on every acquisition', () => {
  let device: GPUDevice | undefined;
  beforeAll(async () => {
    device = await (await findAdapter())!.adapter.requestDevice();
    expect((await checkDf64(device)).ok).toBe(true);
  }, 60_000);
  afterAll(() => device?.destroy());

  const cases: [string, () => ReturnType<typeof problem>][] = [
    ['matern52, noise 1e-4', () => problem(1, 'matern52', 150, 6, 1500)],
    [
      'rbf, categorical',
      () =>
        problem(2, 'rbf', 120, 9, 1200, [
          { start: 2, size: 3 },
          { start: 6, size: 2 },
        ]),
    ],
    ['1,000 points clustered within 1e-6', () => clusteredProblem(21, 1000, 256)],
    ['deterministic, noise 1e-10', () => deterministicProblem(22, 'matern52', 100, 3, 600, 1e-10)],
  ];
  for (const [name, make] of cases) {
    it(`holds on ${name}, for every kind, against the CPU's f64 values`, async () => {
      const p = make();
      const engine = new Engine(device!);
      const resident = new ResidentModel(device!, engine.bindingLimit);
      const scoring = new ExactScoring(engine, 1 << 19);
      const { buffers } = resident.load(p.gp);
      const ref = posterior(p.gp, p.xc, p.m);
      const best = Math.min(...p.ys);
      for (const kind of ['ei', 'logEI', 'pi', 'ucb'] as AcquisitionKind[]) {
        const acq = { kind, best, xi: 0.01 };
        scoring.screen(p.gp, buffers, p.xc, p.m, acq);
        const bound = new Float32Array(
          await engine.read(engine.newBatch(), [
            { src: engine.buffer('acq', p.m * 4), bytes: p.m * 4 },
          ]),
        );
        const want = acquisitionValues(acq, ref.mean, ref.variance);
        let below = 0;
        for (let c = 0; c < p.m; c++) {
          // The CPU value itself errs by what its μ, σ² may err (f64 rounding): allow that.
          const { grad } = acquisitionWithGradient(
            acq,
            ref.mean[c]!,
            ref.variance[c]!,
            Float64Array.of(1, 0),
            Float64Array.of(0, 1),
          );
          const slack =
            1e-12 * (Math.abs(want[c]!) + Math.abs(grad[0]!) + Math.abs(grad[1]!) * 1e-3);
          if (!(bound[c]! >= want[c]! - slack)) below++;
        }
        expect(below, `${kind}: candidates whose bound is below their value`).toBe(0);
      }
      engine.destroy();
      resident.destroy();
    }, 300_000);
  }
});

describe('the resident factor: a growing GPFactor uploads only its new rows', () => {
  let gpu: WebGPUSurrogateBackend | undefined;
  beforeAll(async () => {
    gpu = await createWebGPUBackend();
  }, 60_000);
  afterAll(() => gpu?.destroy());

  const expectSameTopK = async (gp: FittedGP, xc: Float64Array, m: number) => {
    const acq = { kind: 'logEI', best: -1 } as const;
    const got = await gpu!.scoreTopK(gp, xc, m, acq, 4);
    const want = scoreTopKSync(gp, xc, m, acq, 4);
    expect(Array.from(got.index)).toEqual(Array.from(want.index));
    for (let r = 0; r < 4; r++) {
      expect(Math.abs(got.value[r]! - want.value[r]!)).toBeLessThan(
        1e-9 * Math.abs(want.value[r]!),
      );
    }
    expect(got.certificate.on).toBe('webgpu');
  };

  it('appends, drops fantasies, grows past its capacity and starts over for a new factor', async () => {
    const base = problem(31, 'matern52', 60, 3, 400);
    const { spec, params, xc, m } = base;
    const rand = mulberry32(31);
    const point = () => Float64Array.from({ length: 3 }, rand);
    const ys = Float64Array.from({ length: 200 }, () => rand() * 2 - 1);
    const factor = createGPFactor(spec, params, base.x, 40, 40);
    await expectSameTopK(factor.condition(ys, 0, 1), xc, m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 40, keptRows: 0 });

    factor.append(point(), 1);
    await expectSameTopK(factor.condition(ys, 0, 1), xc, m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 1, keptRows: 40 });

    // Three fantasies for one suggestion, dropped, then the real trial.
    factor.append(Float64Array.from([...point(), ...point(), ...point()]), 3);
    await expectSameTopK(factor.condition(ys, 0, 1), xc, m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 3, keptRows: 41 });
    factor.truncate(41);
    factor.append(point(), 1);
    await expectSameTopK(factor.condition(ys, 0, 1), xc, m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 1, keptRows: 41 });

    // Past the device buffers' capacity: they grow by copying the kept rows on the device.
    for (let i = 0; i < 40; i++) factor.append(point(), 1);
    await expectSameTopK(factor.condition(ys, 0, 1), xc, m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 40, keptRows: 42 });

    // A refit is a new factor: everything is uploaded again.
    const refit = createGPFactor(spec, { ...params, noise: 1e-3 }, factor.x, factor.n);
    await expectSameTopK(refit.condition(ys, 0, 1), xc, m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 82, keptRows: 0 });
  }, 300_000);

  it('uploads a plain FittedGP once, however often it is scored', async () => {
    const p = problem(32, 'rbf', 50, 2, 300);
    const gp = { ...p.gp, factor: undefined, factorGeneration: undefined } as unknown as FittedGP;
    await gpu!.predict(gp, p.xc, p.m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 50, keptRows: 0 });
    await expectSameTopK(gp, p.xc, p.m);
    expect(gpu!.lastLoad).toEqual({ uploadedRows: 0, keptRows: 50 });
  }, 120_000);
});
