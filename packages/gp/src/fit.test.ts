import { describe, expect, it } from 'vitest';
import { conditionGP, fitGP, logPosteriorObjective, standardize } from './fit.js';
import { posterior } from './posterior.js';
import { relErr, seeded, uniform } from './testUtil.js';
import type { KernelSpec } from './types.js';

describe('logPosteriorObjective: analytic gradient vs central differences', () => {
  const random = seeded(21);
  const n = 12;
  // d = 5: dims 0..2 continuous, 3..4 a two-choice categorical group → e = 4 lengthscales.
  const x = new Float64Array(n * 5);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) x[i * 5 + c] = random();
    x[i * 5 + 3 + (random() < 0.5 ? 0 : 1)] = 1;
  }
  const ys = standardize(uniform(n, random), n).ys;
  const cases = [
    ['matern52', 'optuna', undefined],
    ['rbf', 'optuna', undefined],
    ['matern52', 'dimensionScaled', undefined],
    ['matern52', 'optuna', 1e-4],
  ] as const;
  it.each(cases)(
    '%s, prior %s, fixedNoise %s: every log-parameter (rel 1e-6)',
    (kind, prior, fixedNoise) => {
      const spec: KernelSpec = { kind, d: 5, categoricalGroups: [{ start: 3, size: 2 }] };
      const obj = logPosteriorObjective(
        spec,
        x,
        ys,
        n,
        fixedNoise === undefined ? { prior } : { prior, fixedNoise },
      );
      expect(obj.k).toBe(fixedNoise === undefined ? 6 : 5);
      for (let trial = 0; trial < 3; trial++) {
        const theta = new Float64Array(obj.k);
        for (let j = 0; j < 4; j++) theta[j] = Math.log(0.2 + random());
        theta[4] = Math.log(0.5 + random());
        if (obj.k === 6) theta[5] = Math.log(1e-3 + 0.1 * random());
        const grad = new Float64Array(obj.k);
        const f = obj.evaluate(theta, grad);
        expect(Number.isFinite(f)).toBe(true);
        // The LML reported matches an independent computation from kernelMatrix + cholesky.
        const gp = conditionGP(spec, obj.params(theta), x, n, ys, 0, 1);
        expect(relErr(obj.lastLml(), gp.logMarginalLikelihood)).toBeLessThan(1e-10);
        const tmp = new Float64Array(obj.k);
        for (let j = 0; j < obj.k; j++) {
          const step = 1e-5;
          const up = Float64Array.from(theta);
          const dn = Float64Array.from(theta);
          up[j] = up[j]! + step;
          dn[j] = dn[j]! - step;
          const fd = (obj.evaluate(up, tmp) - obj.evaluate(dn, tmp)) / (2 * step);
          expect(Math.abs(grad[j]! - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
        }
      }
    },
  );
});

// f(x) = sin(6 x0) + 0.3 x0²: ignores x1 entirely.
const target = (x0: number) => Math.sin(6 * x0) + 0.3 * x0 * x0;

describe('fitGP', () => {
  const random = seeded(22);
  const n = 40;
  const x = uniform(n * 2, random);
  const y = Float64Array.from({ length: n }, (_, i) => target(x[i * 2]!));
  const kernel: KernelSpec = { kind: 'matern52', d: 2 };

  it('finds the ignored dimension (much longer lengthscale) and predicts held-out points', () => {
    const gp = fitGP(x, y, n, { kernel, random: seeded(1) });
    const [l0, l1] = gp.params.lengthscales;
    expect(l1! / l0!).toBeGreaterThan(5);
    expect(gp.params.noise).toBeLessThan(1e-3);
    const m = 200;
    const xt = uniform(m * 2, random);
    const p = posterior(gp, xt, m);
    let se = 0;
    let sv = 0;
    let mean = 0;
    for (let i = 0; i < m; i++) mean += target(xt[i * 2]!) / m;
    for (let i = 0; i < m; i++) {
      const t = target(xt[i * 2]!);
      se += (gp.yMean + gp.yStd * p.mean[i]! - t) ** 2;
      sv += (t - mean) ** 2;
    }
    // R² on held-out points.
    expect(1 - se / sv).toBeGreaterThan(0.999);
  });

  it('is deterministic for the same random source', () => {
    const a = fitGP(x, y, n, { kernel, random: seeded(7), restarts: 3 });
    const b = fitGP(x, y, n, { kernel, random: seeded(7), restarts: 3 });
    expect(b.params).toEqual(a.params);
    expect(b.alpha).toEqual(a.alpha);
    expect(b.logMarginalLikelihood).toBe(a.logMarginalLikelihood);
  });

  it('a warm start never ends with a worse log posterior than the fit it starts from', () => {
    const first = fitGP(x, y, n - 5, { kernel, restarts: 0 });
    const obj = logPosteriorObjective(kernel, x, standardize(y, n).ys, n);
    const g = new Float64Array(obj.k);
    const before = -obj.evaluate(obj.theta(first.params), g);
    const warm = fitGP(x, y, n, {
      kernel,
      restarts: 0,
      warmStart: first.params,
      defaultStart: false,
    });
    const after = -obj.evaluate(obj.theta(warm.params), g);
    expect(after).toBeGreaterThanOrEqual(before);
    // Refitting the same data from its own optimum stays there.
    const full = fitGP(x, y, n, { kernel, restarts: 1 });
    const again = fitGP(x, y, n, {
      kernel,
      restarts: 0,
      warmStart: full.params,
      defaultStart: false,
    });
    expect(again.logMarginalLikelihood).toBeCloseTo(full.logMarginalLikelihood, 3);
  });

  it('handles constant y, n = 1, and huge-magnitude y', () => {
    const constant = fitGP(x, new Float64Array(n).fill(3.5), n, { kernel, restarts: 0 });
    expect(constant.yStd).toBe(1);
    expect(constant.yMean).toBe(3.5);
    const pc = posterior(constant, Float64Array.from([0.5, 0.5]), 1);
    expect(constant.yMean + constant.yStd * pc.mean[0]!).toBeCloseTo(3.5, 6);

    const single = fitGP(Float64Array.from([0.3, 0.7]), Float64Array.of(-2), 1, { kernel });
    expect(single.n).toBe(1);
    expect(single.yMean).toBe(-2);
    expect(single.yStd).toBe(1);
    expect(Number.isFinite(single.logMarginalLikelihood)).toBe(true);

    const huge = y.map((v) => 1e300 * v);
    const gh = fitGP(x, huge, n, { kernel, restarts: 0 });
    const gs = fitGP(x, y, n, { kernel, restarts: 0 });
    expect(relErr(gh.yStd, 1e300 * gs.yStd)).toBeLessThan(1e-9);
    for (let j = 0; j < 2; j++) {
      expect(relErr(gh.params.lengthscales[j]!, gs.params.lengthscales[j]!)).toBeLessThan(1e-6);
    }
    const offset = fitGP(
      x,
      y.map((v) => v + 1e12),
      n,
      { kernel, restarts: 0 },
    );
    expect(relErr(offset.params.lengthscales[0]!, gs.params.lengthscales[0]!)).toBeLessThan(1e-3);
  });

  it('replaces failed (NaN) and infinite values instead of breaking', () => {
    const yBad = Float64Array.from(y);
    yBad[3] = Number.NaN;
    yBad[5] = Number.POSITIVE_INFINITY;
    yBad[7] = Number.NEGATIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    for (const v of yBad) {
      if (Number.isFinite(v)) {
        hi = Math.max(hi, v);
        lo = Math.min(lo, v);
      }
    }
    const { ys, mean, std } = standardize(yBad, n);
    expect(mean + std * ys[3]!).toBeCloseTo(hi, 12);
    expect(mean + std * ys[5]!).toBeCloseTo(hi, 12);
    expect(mean + std * ys[7]!).toBeCloseTo(lo, 12);
    expect(mean + std * ys[0]!).toBeCloseTo(y[0]!, 12);
    const gp = fitGP(x, yBad, n, { kernel, restarts: 0 });
    expect(Number.isFinite(gp.logMarginalLikelihood)).toBe(true);
    for (const v of gp.alpha) expect(Number.isFinite(v)).toBe(true);
    expect(() => fitGP(x, new Float64Array(n).fill(Number.NaN), n, { kernel })).toThrow(
      /y: none of the 40 values is finite/,
    );
  });

  it('works with duplicate points and zero fixed noise (jitter reported)', () => {
    const xd = Float64Array.from([0.1, 0.1, 0.1, 0.1, 0.8, 0.3]);
    const gp = fitGP(xd, Float64Array.from([1, 1, 0]), 3, { kernel, fixedNoise: 0, restarts: 0 });
    expect(gp.params.noise).toBe(0);
    expect(gp.jitter).toBeGreaterThan(0);
  });

  it('rejects bad options before any work', () => {
    expect(() => fitGP(x, y, 0, { kernel })).toThrow(/fitGP: n \(0\) must be an integer ≥ 1/);
    expect(() => fitGP(x, y, n, { kernel, restarts: -1 })).toThrow(/restarts \(-1\)/);
    expect(() => fitGP(x, y, n, { kernel, fixedNoise: -1 })).toThrow(/fixedNoise \(-1\)/);
    expect(() => fitGP(x, y.subarray(0, 3), n, { kernel })).toThrow(
      /y: must be a Float64Array of length ≥ n \(40\), got 3/,
    );
    expect(() =>
      fitGP(x, y, n, {
        kernel,
        warmStart: { lengthscales: new Float64Array(3), outputScale: 1, noise: 1 },
      }),
    ).toThrow(/warmStart.lengthscales has length 3, the kernel needs 2/);
    expect(() =>
      fitGP(x, y, n, {
        kernel,
        warmStart: { lengthscales: Float64Array.from([1, 0]), outputScale: 1, noise: 1 },
      }),
    ).toThrow(/params.lengthscales\[1\]: 0 must be finite and > 0/);
    expect(() => fitGP(x, y, n, { kernel, tolerance: 0 })).toThrow(/tolerance \(0\)/);
    const xn = Float64Array.from(x);
    xn[4] = Number.NaN;
    expect(() => fitGP(xn, y, n, { kernel })).toThrow(/x\[4\]: NaN must be finite/);
  });
});

describe('conditionGP', () => {
  const spec = { kind: 'matern52', d: 2 } as const;
  const params = { lengthscales: Float64Array.of(0.5, 0.5), outputScale: 1, noise: 1e-4 };
  const x = Float64Array.of(0.1, 0.2, 0.5, 0.9, 0.8, 0.3);
  it('rejects non-finite standardised outputs and inputs, naming the entry', () => {
    expect(() => conditionGP(spec, params, x, 3, Float64Array.of(0, Number.NaN, 1), 0, 1)).toThrow(
      /ys\[1\]: NaN must be finite/,
    );
    const xi = Float64Array.from(x);
    xi[5] = Number.POSITIVE_INFINITY;
    expect(() => conditionGP(spec, params, xi, 3, Float64Array.of(0, 1, 2), 0, 1)).toThrow(
      /x\[5\]: Infinity must be finite/,
    );
  });
});

describe('standardize', () => {
  it('rejects a y shorter than n and a bad n instead of padding with the worst value', () => {
    expect(() => standardize(Float64Array.of(1, 2), 3)).toThrow('y: length 2 must be ≥ n (3)');
    expect(() => standardize(Float64Array.of(1, 2), 1.5)).toThrow(
      'standardize: n (1.5) must be an integer ≥ 1',
    );
  });
});
