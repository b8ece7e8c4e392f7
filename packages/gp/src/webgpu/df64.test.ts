import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../random.js';
import { findAdapter } from './device.js';
import { add, join, mul, split, twoProd, twoSum } from './df64.js';
import { DF64_WGSL } from './df64.wgsl.js';
import { checkDf64 } from './df64Check.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER;
}

describe('df64 on the host (the emulation the device is checked against)', () => {
  it('two-sum and two-product are exact, add and mul within 4u of f64', () => {
    const rand = mulberry32(5);
    const u = 2 ** -48;
    let inexact = 0;
    let worst = 0;
    for (let i = 0; i < 5000; i++) {
      const a = Math.fround((rand() - 0.5) * 2 ** (rand() * 30 - 15));
      const b = Math.fround((rand() - 0.5) * 2 ** (rand() * 30 - 15));
      const [s, e] = twoSum(a, b);
      const [p, q] = twoProd(a, b);
      if (s + e !== a + b || p + q !== a * b) inexact++;
      const x = split((rand() - 0.5) * 10);
      const y = split((rand() - 0.5) * 10);
      const xv = join(x);
      const yv = join(y);
      worst = Math.max(
        worst,
        Math.abs(join(add(x, y)) - (xv + yv)) / Math.abs(xv + yv),
        Math.abs(join(mul(x, y)) - xv * yv) / Math.abs(xv * yv),
      );
    }
    expect(inexact).toBe(0);
    expect(worst).toBeLessThanOrEqual(4 * u);
  });
});

describe('df64 on the device (Dawn)', () => {
  let device: GPUDevice | undefined;
  beforeAll(async () => {
    device = await (await findAdapter())!.adapter.requestDevice();
  }, 60_000);
  afterAll(() => device?.destroy());

  it('passes the check the backend runs at creation: exact transforms bit for bit, the rest within 32u', async () => {
    const r = await checkDf64(device!, 4096);
    expect(r.failure).toBeUndefined();
    expect(r.ok).toBe(true);
    // SwiftShader's fma rounds twice, so the check must have found Dekker's product.
    if (device!.adapterInfo?.architecture === 'swiftshader') expect(r.fma).toBe(false);
    for (const [op, err] of Object.entries(r.errors)) expect(err, op).toBeLessThan(32 * 2 ** -48);
  }, 120_000);

  it('fails a library whose constants the compiler can fold (SwiftShader reassociates them)', async () => {
    // Without P.zero, two-sum(1, x) folds (x + 1) − 1 into x and loses its error term.
    const broken = DF64_WGSL.replace('return v + P.zero;', 'return v;');
    expect(broken).not.toBe(DF64_WGSL);
    const r = await checkDf64(device!, 512, broken);
    if (device!.adapterInfo?.architecture === 'swiftshader') {
      expect(r.ok).toBe(false);
      expect(r.failure).toMatch(/add of a constant/);
    }
  }, 120_000);
});
