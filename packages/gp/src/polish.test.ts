import { describe, expect, it } from 'vitest';
import { acquisitionValues, acquisitionWithGradient } from './acquisition.js';
import { conditionGP } from './fit.js';
import { polishAcquisition } from './polish.js';
import { posterior, posteriorWithGradient } from './posterior.js';
import { seeded, uniform } from './testUtil.js';

describe('polishAcquisition', () => {
  const random = seeded(51);
  const n = 25;
  // d = 4: dims 0, 1 continuous, dims 2, 3 a two-choice categorical group.
  const x = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    x[i * 4] = random();
    x[i * 4 + 1] = random();
    x[i * 4 + 2 + (random() < 0.5 ? 0 : 1)] = 1;
  }
  const ys = Float64Array.from(
    { length: n },
    (_, i) => Math.sin(5 * x[i * 4]!) + x[i * 4 + 1]! ** 2 + x[i * 4 + 2]!,
  );
  const gp = conditionGP(
    { kind: 'matern52', d: 4, categoricalGroups: [{ start: 2, size: 2 }] },
    { lengthscales: Float64Array.from([0.3, 0.5, 1]), outputScale: 1, noise: 1e-4 },
    x,
    n,
    ys,
    0,
    1,
  );
  const best = Math.min(...ys);

  it.each(['ei', 'logEI', 'pi', 'ucb'] as const)(
    '%s: improves every start, stays in the box, holds categoricals',
    (kind) => {
      const acq = { kind, best };
      const s = 6;
      const starts = new Float64Array(s * 4);
      for (let i = 0; i < s; i++) {
        starts[i * 4] = random();
        starts[i * 4 + 1] = random();
        starts[i * 4 + 2 + (i % 2)] = 1;
      }
      const p0 = posterior(gp, starts, s);
      const v0 = acquisitionValues(acq, p0.mean, p0.variance);
      const lower = Float64Array.from([0.1, 0.1, 0, 0]);
      const upper = Float64Array.from([0.9, 0.9, 1, 1]);
      const clamped = Float64Array.from(starts, (v, k) =>
        k % 4 < 2 ? Math.min(0.9, Math.max(0.1, v)) : v,
      );
      const pc = posterior(gp, clamped, s);
      const vc = acquisitionValues(acq, pc.mean, pc.variance);
      const r = polishAcquisition(gp, acq, starts, s, { lower, upper });
      const p1 = posterior(gp, r.x, s);
      const v1 = acquisitionValues(acq, p1.mean, p1.variance);
      let improved = 0;
      let interior = 0;
      for (let i = 0; i < s; i++) {
        expect(v1[i]).toBeCloseTo(r.value[i]!, 9);
        expect(r.value[i]).toBeGreaterThanOrEqual(vc[i]!);
        if (r.value[i]! > v0[i]! + 1e-6) improved++;
        for (let j = 0; j < 2; j++) {
          expect(r.x[i * 4 + j]).toBeGreaterThanOrEqual(0.1);
          expect(r.x[i * 4 + j]).toBeLessThanOrEqual(0.9);
        }
        expect(r.x[i * 4 + 2]).toBe(starts[i * 4 + 2]);
        expect(r.x[i * 4 + 3]).toBe(starts[i * 4 + 3]);
        // A stationary point: the gradient vanishes in every free direction away from the bounds.
        const pt = r.x.subarray(i * 4, i * 4 + 4);
        const g = posteriorWithGradient(gp, pt);
        const a = acquisitionWithGradient(acq, g.mean, g.variance, g.dMean, g.dVariance);
        for (let j = 0; j < 2; j++) {
          if (pt[j]! > 0.1 + 1e-9 && pt[j]! < 0.9 - 1e-9) {
            expect(Math.abs(a.grad[j]!)).toBeLessThan(1e-4 * (1 + Math.abs(a.value)));
            interior++;
          }
        }
      }
      expect(improved).toBeGreaterThan(0);
      expect(interior).toBeGreaterThan(0);
    },
  );

  it('holds dimensions marked fixed and validates options', () => {
    const starts = Float64Array.from([0.3, 0.4, 1, 0]);
    const r = polishAcquisition(gp, { kind: 'ucb', best }, starts, 1, {
      fixed: Uint8Array.from([0, 1, 0, 0]),
    });
    expect(r.x[1]).toBe(0.4);
    expect(() =>
      polishAcquisition(gp, { kind: 'ucb', best }, starts, 1, { lower: new Float64Array(2) }),
    ).toThrow(/lower has length 2, needs d = 4/);
    expect(() => polishAcquisition(gp, { kind: 'ei', best: Number.NaN }, starts, 1)).toThrow(
      /acquisition.best/,
    );
    expect(() => polishAcquisition(gp, { kind: 'ei', best }, uniform(3, random), 1)).toThrow(
      /starts: length 3/,
    );
  });
  it('returns empty results for s = 0 and still validates the acquisition', () => {
    const r = polishAcquisition(gp, { kind: 'ei', best }, new Float64Array(0), 0);
    expect(r.x.length).toBe(0);
    expect(r.value.length).toBe(0);
    expect(() =>
      polishAcquisition(gp, { kind: 'ei', best: Number.NaN }, new Float64Array(0), 0),
    ).toThrow(/acquisition.best/);
  });
});
