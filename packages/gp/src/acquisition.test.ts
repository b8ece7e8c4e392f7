import { describe, expect, it } from 'vitest';
import { acquisitionValues, acquisitionWithGradient } from './acquisition.js';
import { conditionGP } from './fit.js';
import { posterior, posteriorWithGradient } from './posterior.js';
import { normCdf } from './special.js';
import { relErr, seeded, uniform } from './testUtil.js';
import type { AcquisitionSpec, KernelSpec } from './types.js';

const random = seeded(11);
const d = 3;
const n = 14;
const spec: KernelSpec = { kind: 'matern52', d };
const x = uniform(n * d, random);
const ys = uniform(n, random).map((v) => 2 * v - 1);
const gp = conditionGP(
  spec,
  { lengthscales: Float64Array.from([0.3, 0.4, 0.6]), outputScale: 1.1, noise: 1e-4 },
  x,
  n,
  ys,
  0,
  1,
);

const specs: AcquisitionSpec[] = [
  { kind: 'ei', best: -0.8 },
  { kind: 'ei', best: -0.8, xi: 0.05 },
  { kind: 'logEI', best: -0.8 },
  { kind: 'logEI', best: -3 },
  { kind: 'pi', best: -0.8 },
  { kind: 'ucb', best: 0 },
  { kind: 'ucb', best: 0, beta: 1 },
];

function valueAt(acq: AcquisitionSpec, pt: Float64Array): number {
  const p = posterior(gp, pt, 1);
  return acquisitionValues(acq, p.mean, p.variance)[0]!;
}

describe('acquisitionValues', () => {
  it('matches the closed forms', () => {
    const mean = Float64Array.from([0.2, -1, 0.5]);
    const variance = Float64Array.from([0.25, 1, 4]);
    const best = -0.5;
    const ei = acquisitionValues({ kind: 'ei', best }, mean, variance);
    const lei = acquisitionValues({ kind: 'logEI', best }, mean, variance);
    const pi = acquisitionValues({ kind: 'pi', best }, mean, variance);
    const ucb = acquisitionValues({ kind: 'ucb', best }, mean, variance);
    for (let i = 0; i < 3; i++) {
      const s = Math.sqrt(variance[i]!);
      const z = (best - mean[i]!) / s;
      const phi = Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
      expect(relErr(ei[i]!, s * (phi + z * normCdf(z)))).toBeLessThan(1e-14);
      expect(relErr(lei[i]!, Math.log(ei[i]!))).toBeLessThan(1e-9);
      expect(relErr(pi[i]!, normCdf(z))).toBeLessThan(1e-15);
      expect(relErr(ucb[i]!, -(mean[i]! - 2 * s))).toBeLessThan(1e-15);
    }
  });

  it('logEI equals log(EI) wherever EI is representable, and stays finite and monotone past it', () => {
    const zs = [-37, -30, -20, -10, -3, -1, 0, 2];
    const mean = Float64Array.from(zs, (z) => -z * 0.3);
    const variance = new Float64Array(zs.length).fill(0.09);
    const ei = acquisitionValues({ kind: 'ei', best: 0 }, mean, variance);
    const lei = acquisitionValues({ kind: 'logEI', best: 0 }, mean, variance);
    for (let i = 0; i < zs.length; i++) {
      expect(ei[i]).toBeGreaterThan(0);
      expect(relErr(lei[i]!, Math.log(ei[i]!))).toBeLessThan(1e-9);
    }
    const far = Float64Array.from([1e3, 100, 40, 30].map((z) => z * 0.3));
    const farVar = new Float64Array(4).fill(0.09);
    const eiFar = acquisitionValues({ kind: 'ei', best: 0 }, far, farVar);
    const leiFar = acquisitionValues({ kind: 'logEI', best: 0 }, far, farVar);
    expect(eiFar[0]).toBe(0);
    expect(eiFar[1]).toBe(0);
    expect(eiFar[2]).toBe(0);
    for (let i = 0; i < 4; i++) expect(Number.isFinite(leiFar[i]!)).toBe(true);
    for (let i = 1; i < 4; i++) expect(leiFar[i]).toBeGreaterThan(leiFar[i - 1]!);
    // log EI = log σ + log h(−40); log h(−40) from mpmath.
    expect(relErr(leiFar[2]!, Math.log(0.3) - 808.29856835662)).toBeLessThan(1e-12);
  });

  it('validates the spec', () => {
    const one = Float64Array.of(0);
    expect(() => acquisitionValues({ kind: 'ei', best: Number.NaN }, one, one)).toThrow(
      /acquisition.best: NaN/,
    );
    expect(() => acquisitionValues({ kind: 'ei', best: 0, xi: -1 }, one, one)).toThrow(
      /acquisition.xi: -1/,
    );
    expect(() => acquisitionValues({ kind: 'ucb', best: 0, beta: -2 }, one, one)).toThrow(
      /acquisition.beta: -2/,
    );
    expect(() => acquisitionValues({ kind: 'foo' as 'ei', best: 0 }, one, one)).toThrow(
      /acquisition.kind: 'foo'/,
    );
    expect(() => acquisitionValues({ kind: 'ei', best: 0 }, one, new Float64Array(2))).toThrow(
      /variance: length 2/,
    );
  });
});

describe('acquisitionWithGradient through the posterior', () => {
  it.each(
    specs.map((s) => [`${s.kind} best=${s.best} xi=${s.xi ?? 0} beta=${s.beta ?? 4}`, s] as const),
  )('%s: gradient matches central differences (rel 1e-5)', (_, acq) => {
    for (let trial = 0; trial < 6; trial++) {
      const pt = uniform(d, random);
      const pg = posteriorWithGradient(gp, pt);
      const { value, grad } = acquisitionWithGradient(
        acq,
        pg.mean,
        pg.variance,
        pg.dMean,
        pg.dVariance,
      );
      expect(relErr(value, valueAt(acq, pt))).toBeLessThan(1e-10);
      for (let c = 0; c < d; c++) {
        const step = 1e-6;
        const up = Float64Array.from(pt);
        const dn = Float64Array.from(pt);
        up[c] = up[c]! + step;
        dn[c] = dn[c]! - step;
        const fd = (valueAt(acq, up) - valueAt(acq, dn)) / (2 * step);
        expect(Math.abs(grad[c]! - fd)).toBeLessThan(1e-5 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it('logEI keeps a finite, informative gradient where EI underflows', () => {
    const dMean = Float64Array.of(1);
    const dVariance = Float64Array.of(0);
    const ei = acquisitionWithGradient({ kind: 'ei', best: 0 }, 50, 1, dMean, dVariance);
    const lei = acquisitionWithGradient({ kind: 'logEI', best: 0 }, 50, 1, dMean, dVariance);
    expect(ei.value).toBe(0);
    expect(Math.abs(ei.grad[0]!)).toBe(0);
    expect(Number.isFinite(lei.value)).toBe(true);
    // d log h/dz → |z| as z → −∞; ∂/∂μ = −(d log h/dz)/σ.
    expect(lei.grad[0]).toBeCloseTo(-50.04, 1);
  });
});
