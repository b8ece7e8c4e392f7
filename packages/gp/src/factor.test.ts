import { describe, expect, it } from 'vitest';
import { createGPFactor } from './factor.js';
import { conditionGP, standardize } from './fit.js';
import { kernelMatrixPacked } from './kernel.js';
import { cholesky } from './linalg.js';
import { posterior } from './posterior.js';
import { seeded, uniform } from './testUtil.js';
import type { KernelParams, KernelSpec } from './types.js';

const spec: KernelSpec = { kind: 'matern52', d: 3 };
const params: KernelParams = {
  lengthscales: Float64Array.from([0.3, 0.5, 0.8]),
  outputScale: 1.4,
  noise: 1e-4,
};

describe('createGPFactor', () => {
  it('appending points one at a time gives the from-scratch factor bit for bit', () => {
    const random = seeded(3);
    const n = 57;
    const x = uniform(n * 3, random);
    const grown = createGPFactor(spec, params, x, 5);
    for (let i = 5; i < n; i += i % 2 ? 1 : 3) {
      const count = Math.min(i % 2 ? 1 : 3, n - i);
      grown.append(x.subarray(i * 3, (i + count) * 3), count);
    }
    expect(grown.n).toBe(n);
    const ref = cholesky(kernelMatrixPacked(spec, params, x, n), n);
    expect(ref.jitter).toBe(0);
    expect(Array.from(grown.chol.subarray(0, ref.l.length))).toEqual(Array.from(ref.l));
    expect(Array.from(grown.x.subarray(0, n * 3))).toEqual(Array.from(x));
  });

  it('conditions like conditionGP, and truncating drops fantasies so the same rows come back', () => {
    const random = seeded(4);
    const n = 30;
    const x = uniform(n * 3, random);
    const y = uniform(n, random);
    const { ys, mean, std } = standardize(y, n);
    const f = createGPFactor(spec, params, x, n - 4);
    f.append(x.subarray((n - 4) * 3), 4);
    const a = f.condition(ys, mean, std);
    const b = conditionGP(spec, params, x, n, ys, mean, std);
    expect(Array.from(a.alpha)).toEqual(Array.from(b.alpha));
    expect(a.logMarginalLikelihood).toBe(b.logMarginalLikelihood);
    const xc = uniform(20 * 3, random);
    expect(Array.from(posterior(a, xc, 20).variance)).toEqual(
      Array.from(posterior(b, xc, 20).variance),
    );
    // Two fantasies appended and dropped: the factor is the n-row one again.
    const g0 = f.generation;
    f.append(uniform(6, random), 2);
    expect(f.n).toBe(n + 2);
    expect(f.stableRows(g0)).toBe(n + 2);
    f.truncate(n);
    expect(f.n).toBe(n);
    expect(f.stableRows(g0)).toBe(n);
    expect(f.generation).toBe(g0 + 1);
    const c = f.condition(ys, mean, std);
    expect(Array.from(c.alpha)).toEqual(Array.from(b.alpha));
  });

  it('grows its buffers past the capacity it was made with', () => {
    const random = seeded(5);
    const f = createGPFactor(spec, params, uniform(6, random), 2, 2);
    const before = f.chol;
    f.append(uniform(30, random), 10);
    expect(f.n).toBe(12);
    expect(f.chol).not.toBe(before);
    expect(f.chol.length).toBeGreaterThanOrEqual((12 * 13) / 2);
  });

  it('a duplicate point without noise refactorises with jitter and says so', () => {
    const noiseless = { ...params, noise: 0 };
    const random = seeded(6);
    const x = uniform(10 * 3, random);
    const f = createGPFactor(spec, noiseless, x, 10);
    expect(f.jitter).toBe(0);
    const g0 = f.generation;
    f.append(x.subarray(6, 9), 1);
    expect(f.n).toBe(11);
    expect(f.jitter).toBeGreaterThan(0);
    expect(f.refactorisations).toBe(1);
    expect(f.stableRows(g0)).toBe(0);
    // The factor is K + jitter·I's.
    const k = kernelMatrixPacked(spec, noiseless, f.x, 11);
    const ref = cholesky(k, 11);
    expect(ref.jitter).toBe(f.jitter);
    expect(Array.from(f.chol.subarray(0, ref.l.length))).toEqual(Array.from(ref.l));
  });

  it('rejects bad arguments naming them', () => {
    const x = new Float64Array(9);
    expect(() => createGPFactor(spec, params, x, 4)).toThrow(/x: length 9 must be ≥ 4×3 = 12/);
    const f = createGPFactor(spec, params, Float64Array.from([0.1, 0.2, 0.3]), 1);
    expect(() => f.append(Float64Array.from([0.1, Number.NaN, 0.2]), 1)).toThrow(
      /points\[1\]: NaN must be finite/,
    );
    expect(() => f.truncate(2)).toThrow(/truncate: n \(2\) must be an integer in \[0, 1\]/);
    expect(() => f.condition(new Float64Array(0), 0, 1)).toThrow(/ys has length 0, needs n = 1/);
  });
});
