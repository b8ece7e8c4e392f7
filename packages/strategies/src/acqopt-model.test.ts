import { fitGP, posterior } from '@webtune/gp';
import { describe, expect, it } from 'vitest';
import { believe, conditioned, warpWithJacobian } from './acqopt-model.js';

describe('output warps', () => {
  const y = Float64Array.from([3, 0.5, 120, 7, 2, 45, 0.9]);
  const order = (a: ArrayLike<number>) => [...Array(a.length).keys()].sort((i, j) => a[i]! - a[j]!);

  it('log: ln(y − min + δ), δ = (median − min)/10, order kept, log-Jacobian −Σ ln(y − min + δ)', () => {
    const { y: w, logJacobian } = warpWithJacobian(y, 'log');
    const delta = (3 - 0.5) / 10;
    y.forEach((v, i) => {
      expect(w[i]).toBeCloseTo(Math.log(v - 0.5 + delta), 12);
    });
    expect(order(w)).toEqual(order(y));
    expect(logJacobian).toBeCloseTo(-w.reduce((s, v) => s + v, 0), 12);
  });

  it('tail: the better half unchanged, the rest compressed in order, log-Jacobian of the compressed part', () => {
    const { y: w, logJacobian } = warpWithJacobian(y, 'tail');
    expect(order(w)).toEqual(order(y));
    const med = 3;
    const s = med - 0.9; // median − 10th percentile (index round(0.1·6) = 1 of the sorted values)
    let jac = 0;
    y.forEach((v, i) => {
      if (v <= med) expect(w[i]).toBe(v);
      else {
        expect(w[i]).toBeCloseTo(med + s * Math.log1p((v - med) / s), 12);
        jac -= Math.log1p((v - med) / s);
      }
    });
    expect(logJacobian).toBeCloseTo(jac, 12);
    expect(w[2]!).toBeLessThan(20);
  });

  it('none is the identity', () => {
    expect(warpWithJacobian(y, 'none')).toEqual({ y, logJacobian: 0 });
  });
});

describe('kriging believer', () => {
  it('collapses the variance at a fantasised point and leaves the mean as it was', () => {
    const x = Float64Array.from([0.1, 0.4, 0.9, 0.6]);
    const yv = Float64Array.from([1, 0.2, 0.8, 0.1]);
    const gp = fitGP(x, yv, 4, { kernel: { kind: 'matern52', d: 1 }, fixedNoise: 1e-8 });
    const at = Float64Array.from([0.5]);
    const before = posterior(gp, at, 1);
    const next = believe(conditioned(gp, yv), [at]);
    const after = posterior(next.gp, at, 1);
    expect(next.gp.n).toBe(5);
    expect(after.mean[0]).toBeCloseTo(before.mean[0]!, 6);
    expect(after.variance[0]!).toBeLessThan(before.variance[0]! * 0.05);
    const far = posterior(next.gp, Float64Array.from([0.1]), 1);
    expect(far.mean[0]).toBeCloseTo(posterior(gp, Float64Array.from([0.1]), 1).mean[0]!, 4);
  });
});
