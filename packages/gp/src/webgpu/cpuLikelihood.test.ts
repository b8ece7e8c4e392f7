import { describe, expect, it } from 'vitest';
import { conditionGP } from '../fit.js';
import { cpuLogMarginalLikelihood } from './backend.js';

describe('cpuLogMarginalLikelihood', () => {
  it('works with zero noise and reports the jitter it needed, as conditionGP does', () => {
    const spec = { kind: 'rbf', d: 1 } as const;
    const params = { lengthscales: Float64Array.of(0.4), outputScale: 1, noise: 0 };
    const x = Float64Array.of(0.2, 0.2, 0.7);
    const ys = Float64Array.of(0.1, 0.3, -0.4);
    const gp = conditionGP(spec, params, x, 3, ys, 0, 1);
    expect(gp.jitter).toBeGreaterThan(0);
    const r = cpuLogMarginalLikelihood(spec, params, x, ys, 3);
    expect(r.jitter).toBe(gp.jitter);
    expect(r.value).toBeCloseTo(gp.logMarginalLikelihood, 8);
    expect(Array.from(r.gradient).every(Number.isFinite)).toBe(true);
    expect(r.gradient[2]).toBe(0);
  });
});
