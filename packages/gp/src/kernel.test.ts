import { describe, expect, it } from 'vitest';
import { crossCovariance, kernelDiag, kernelDR2, kernelFromR2, kernelMatrix } from './kernel.js';
import { choleskyInto, packLower } from './linalg.js';
import { seeded, uniform } from './testUtil.js';
import type { KernelParams, KernelSpec } from './types.js';

const params = (ls: number[], outputScale = 1, noise = 0): KernelParams => ({
  lengthscales: Float64Array.from(ls),
  outputScale,
  noise,
});

const matern = (r: number) =>
  (1 + Math.sqrt(5) * r + (5 / 3) * r * r) * Math.exp(-Math.sqrt(5) * r);

describe('kernelMatrix: closed-form small cases', () => {
  it('matern52, 2 points in 2-D with ARD lengthscales', () => {
    // Δ = (0.3, 0.4), ℓ = (0.5, 2): r² = 0.36 + 0.04 = 0.4.
    const x = Float64Array.from([0.1, 0.2, 0.4, 0.6]);
    const k = kernelMatrix({ kind: 'matern52', d: 2 }, params([0.5, 2], 2, 0.1), x, 2);
    const r = Math.sqrt(0.4);
    const expected = 2 * matern(r);
    expect(k[0]).toBeCloseTo(2.1, 15);
    expect(k[3]).toBeCloseTo(2.1, 15);
    expect(k[1]).toBeCloseTo(expected, 15);
    expect(k[2]).toBe(k[1]);
    // Hand value: r = 0.632456, √5r = 1.414214, 1 + 1.414214 + 0.666667 = 3.080880, e^{-1.414214} = 0.243117.
    expect(k[1]).toBeCloseTo(2 * 3.08088 * 0.243117, 4);
  });

  it('rbf, 3 points in 1-D', () => {
    const x = Float64Array.from([0, 0.5, 1]);
    const k = kernelMatrix({ kind: 'rbf', d: 1 }, params([0.5], 1.5, 0), x, 3);
    // r² = (Δ/0.5)²: 1 for neighbours, 4 for the ends.
    expect(k[1]).toBeCloseTo(1.5 * Math.exp(-0.5), 15);
    expect(k[2]).toBeCloseTo(1.5 * Math.exp(-2), 15);
    expect(k[5]).toBeCloseTo(1.5 * Math.exp(-0.5), 15);
    expect(k[4]).toBe(1.5);
  });

  it('is symmetric and positive definite on random points (Cholesky without jitter)', () => {
    const random = seeded(1);
    for (const kind of ['matern52', 'rbf'] as const) {
      const n = 30;
      const d = 4;
      const x = uniform(n * d, random);
      const k = kernelMatrix({ kind, d }, params([0.3, 0.7, 1.2, 0.5], 1.3, 1e-6), x, n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) expect(k[i * n + j]).toBe(k[j * n + i]);
      expect(choleskyInto(packLower(k, n), n, new Float64Array((n * (n + 1)) / 2))).toBe(true);
    }
  });

  it('diag is the output scale; crossCovariance agrees with kernelMatrix off the diagonal', () => {
    const random = seeded(2);
    const spec: KernelSpec = { kind: 'matern52', d: 3 };
    const p = params([0.4, 0.9, 0.2], 0.7, 0.05);
    expect(kernelDiag(spec, p)).toBe(0.7);
    const x = uniform(5 * 3, random);
    const xc = uniform(4 * 3, random);
    const kc = crossCovariance(spec, p, x, 5, xc, 4);
    const both = new Float64Array(9 * 3);
    both.set(x);
    both.set(xc, 15);
    const k = kernelMatrix(spec, p, both, 9);
    for (let c = 0; c < 4; c++) {
      for (let i = 0; i < 5; i++) expect(kc[c * 5 + i]).toBeCloseTo(k[(5 + c) * 9 + i]!, 15);
    }
    // No noise in the cross-covariance, even for a candidate equal to a training point.
    expect(crossCovariance(spec, p, x, 5, x, 1)[0]).toBe(0.7);
  });

  it('kernelDR2 is the derivative of kernelFromR2 in r² (including r = 0)', () => {
    for (const kind of ['matern52', 'rbf'] as const) {
      for (const r2 of [1e-3, 0.2, 1, 4.5]) {
        const fd = (kernelFromR2(kind, 1.7, r2 + 1e-7) - kernelFromR2(kind, 1.7, r2 - 1e-7)) / 2e-7;
        expect(kernelDR2(kind, 1.7, r2)).toBeCloseTo(fd, 6);
      }
      expect(Number.isFinite(kernelDR2(kind, 1, 0))).toBe(true);
    }
    expect(kernelDR2('matern52', 2, 0)).toBeCloseTo((-5 / 6) * 2, 15);
  });
});

describe('categorical groups', () => {
  // d = 4: dim 0 continuous, dims 1..3 one categorical with 3 choices.
  const spec: KernelSpec = { kind: 'matern52', d: 4, categoricalGroups: [{ start: 1, size: 3 }] };

  it('two points differing only in category have covariance set by the group lengthscale', () => {
    const x = Float64Array.from([0.3, 1, 0, 0, 0.3, 0, 0, 1]);
    for (const lg of [0.5, 2]) {
      const k = kernelMatrix(spec, params([0.1, lg], 1.2, 0), x, 2);
      expect(k[1]).toBeCloseTo(1.2 * matern(1 / lg), 15);
    }
    // Same category: the continuous lengthscale alone decides.
    const y = Float64Array.from([0.3, 0, 1, 0, 0.5, 0, 1, 0]);
    expect(kernelMatrix(spec, params([0.1, 0.5], 1, 0), y, 2)[1]).toBeCloseTo(matern(2), 15);
  });

  it('is invariant to a permutation of the category order', () => {
    const random = seeded(3);
    const n = 8;
    const x = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      x[i * 4] = random();
      x[i * 4 + 1 + Math.floor(random() * 3)] = 1;
    }
    const perm = [2, 0, 1];
    const xp = new Float64Array(n * 4);
    for (let i = 0; i < n; i++) {
      xp[i * 4] = x[i * 4]!;
      for (let c = 0; c < 3; c++) xp[i * 4 + 1 + perm[c]!] = x[i * 4 + 1 + c]!;
    }
    const p = params([0.3, 0.8], 1, 0.01);
    expect(kernelMatrix(spec, p, xp, n)).toEqual(kernelMatrix(spec, p, x, n));
  });
});

describe('validation', () => {
  it('names the parameter and the value', () => {
    const x = new Float64Array(4);
    expect(() => kernelMatrix({ kind: 'matern52', d: 2 }, params([1]), x, 2)).toThrow(
      /params.lengthscales: length 1 must be 2/,
    );
    expect(() => kernelMatrix({ kind: 'matern52', d: 2 }, params([1, -1]), x, 2)).toThrow(
      /params.lengthscales\[1\]: -1/,
    );
    expect(() => kernelMatrix({ kind: 'matern52', d: 2 }, params([1, 1], 0), x, 2)).toThrow(
      /params.outputScale: 0/,
    );
    expect(() => kernelMatrix({ kind: 'matern52', d: 2 }, params([1, 1]), x, 3)).toThrow(
      /x: length 4 must be ≥ 3×2/,
    );
    expect(() =>
      kernelMatrix(
        { kind: 'matern52', d: 2, categoricalGroups: [{ start: 1, size: 2 }] },
        params([1, 1]),
        x,
        2,
      ),
    ).toThrow(/categoricalGroups\[0\]: start \+ size \(3\) must be ≤ d \(2\)/);
    expect(() => kernelMatrix({ kind: 'cosine' as 'rbf', d: 2 }, params([1, 1]), x, 2)).toThrow(
      /kernel.kind: 'cosine'/,
    );
  });
});
