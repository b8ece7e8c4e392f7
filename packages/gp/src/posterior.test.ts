import { describe, expect, it } from 'vitest';
import { conditionGP } from './fit.js';
import { kernelFromR2 } from './kernel.js';
import { posterior, posteriorWithGradient, VARIANCE_FLOOR } from './posterior.js';
import { relErr, seeded, uniform } from './testUtil.js';
import type { FittedGP, KernelSpec } from './types.js';

function gpOn(
  spec: KernelSpec,
  x: Float64Array,
  ys: Float64Array,
  ls: number[],
  s2 = 1,
  noise = 1e-4,
): FittedGP {
  return conditionGP(
    spec,
    { lengthscales: Float64Array.from(ls), outputScale: s2, noise },
    x,
    ys.length,
    ys,
    0,
    1,
  );
}

describe('posterior: closed-form 1-D case with n = 2', () => {
  const spec: KernelSpec = { kind: 'matern52', d: 1 };
  const x = Float64Array.from([0.2, 0.6]);
  const ys = Float64Array.from([1, -0.5]);
  const ell = 0.3;
  const s2 = 1.5;

  it('matches the 2×2 formulas μ = k*ᵀK⁻¹y, σ² = s² − k*ᵀK⁻¹k*', () => {
    const noise = 0.01;
    const gp = gpOn(spec, x, ys, [ell], s2, noise);
    const k = (a: number, b: number) => kernelFromR2('matern52', s2, ((a - b) / ell) ** 2);
    const a = s2 + noise;
    const b = k(0.2, 0.6);
    const det = a * a - b * b;
    for (const t of [0, 0.35, 0.6, 0.9]) {
      const k0 = k(t, 0.2);
      const k1 = k(t, 0.6);
      // K⁻¹ = [[a, −b], [−b, a]] / det.
      const w0 = (a * k0 - b * k1) / det;
      const w1 = (-b * k0 + a * k1) / det;
      const mean = w0 * ys[0]! + w1 * ys[1]!;
      const variance = s2 - (w0 * k0 + w1 * k1);
      const p = posterior(gp, Float64Array.of(t), 1);
      expect(relErr(p.mean[0]!, mean)).toBeLessThan(1e-12);
      expect(relErr(p.variance[0]!, variance)).toBeLessThan(1e-10);
    }
  });

  it('interpolates the data as noise → 0 and reverts to the prior far away', () => {
    const gp = gpOn(spec, x, ys, [ell], s2, 1e-10);
    const p = posterior(gp, Float64Array.from([0.2, 0.6, 50]), 3);
    expect(p.mean[0]).toBeCloseTo(1, 8);
    expect(p.mean[1]).toBeCloseTo(-0.5, 8);
    expect(p.variance[0]).toBeLessThan(1e-8);
    expect(p.variance[1]).toBeLessThan(1e-8);
    expect(p.variance[0]).toBeGreaterThanOrEqual(VARIANCE_FLOOR * s2);
    expect(p.mean[2]).toBeCloseTo(0, 12);
    expect(p.variance[2]).toBeCloseTo(s2, 12);
  });
});

describe('posteriorWithGradient', () => {
  it('agrees with posterior at the point', () => {
    const random = seeded(5);
    const spec: KernelSpec = { kind: 'rbf', d: 3 };
    const gp = gpOn(spec, uniform(12 * 3, random), uniform(12, random), [0.3, 0.5, 0.8], 1.2, 1e-3);
    const pt = uniform(3, random);
    const one = posteriorWithGradient(gp, pt);
    const p = posterior(gp, pt, 1);
    expect(relErr(one.mean, p.mean[0]!)).toBeLessThan(1e-12);
    expect(relErr(one.variance, p.variance[0]!)).toBeLessThan(1e-10);
  });

  it.each(['matern52', 'rbf'] as const)(
    '%s: ∂μ/∂x and ∂σ²/∂x match central differences (rel 1e-6)',
    (kind) => {
      const random = seeded(kind === 'rbf' ? 6 : 7);
      // d = 5: dims 0, 1 continuous, 2..4 a categorical group.
      const spec: KernelSpec = { kind, d: 5, categoricalGroups: [{ start: 2, size: 3 }] };
      const n = 15;
      const x = new Float64Array(n * 5);
      for (let i = 0; i < n; i++) {
        x[i * 5] = random();
        x[i * 5 + 1] = random();
        x[i * 5 + 2 + Math.floor(random() * 3)] = 1;
      }
      const gp = gpOn(spec, x, uniform(n, random), [0.25, 0.6, 0.7], 0.9, 1e-4);
      for (let trial = 0; trial < 5; trial++) {
        const pt = Float64Array.from([random(), random(), 0, 1, 0]);
        const g = posteriorWithGradient(gp, pt);
        for (let c = 0; c < 2; c++) {
          const hstep = 1e-6;
          const up = Float64Array.from(pt);
          const dn = Float64Array.from(pt);
          up[c] = up[c]! + hstep;
          dn[c] = dn[c]! - hstep;
          const pu = posteriorWithGradient(gp, up);
          const pd = posteriorWithGradient(gp, dn);
          const fdMean = (pu.mean - pd.mean) / (2 * hstep);
          const fdVar = (pu.variance - pd.variance) / (2 * hstep);
          expect(Math.abs(g.dMean[c]! - fdMean)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fdMean)));
          expect(Math.abs(g.dVariance[c]! - fdVar)).toBeLessThan(
            1e-6 * Math.max(1, Math.abs(fdVar)),
          );
        }
        for (let c = 2; c < 5; c++) {
          expect(g.dMean[c]).toBe(0);
          expect(g.dVariance[c]).toBe(0);
        }
      }
    },
  );

  it('checks the point length', () => {
    const gp = gpOn({ kind: 'rbf', d: 2 }, Float64Array.from([0, 0]), Float64Array.of(1), [1, 1]);
    expect(() => posteriorWithGradient(gp, new Float64Array(1))).toThrow(
      /point: length 1 must be ≥ 1×2/,
    );
  });
});
