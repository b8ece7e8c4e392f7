import { describe, expect, it } from 'vitest';
import { acquisitionValues } from './acquisition.js';
import {
  createCpuBackend,
  type ScoreStats,
  scoreTopKSync,
  THREAD_MIN_WORK,
  topK,
} from './cpuBackend.js';
import { createScoringThreads } from './cpuThreads.js';
import { conditionGP, fitGP, standardize } from './fit.js';
import { posterior } from './posterior.js';
import { seeded, uniform } from './testUtil.js';

const random = seeded(31);
const d = 4;
const n = 20;
const gp = conditionGP(
  { kind: 'matern52', d },
  { lengthscales: Float64Array.from([0.3, 0.5, 0.4, 0.9]), outputScale: 1, noise: 1e-4 },
  uniform(n * d, random),
  n,
  uniform(n, random).map((v) => 2 * v - 1),
  0,
  1,
);

describe('topK', () => {
  it('equals a full sort (NaN last, ties by index)', () => {
    const values = uniform(500, random).map((v) => Math.round(v * 50));
    values[10] = Number.NaN;
    const order = Array.from(values.keys()).sort((a, b) => {
      const va = Number.isNaN(values[a]!) ? Number.NEGATIVE_INFINITY : values[a]!;
      const vb = Number.isNaN(values[b]!) ? Number.NEGATIVE_INFINITY : values[b]!;
      return vb - va || a - b;
    });
    for (const k of [0, 1, 7, 499, 500]) {
      const t = topK(values, k);
      expect(Array.from(t.index)).toEqual(order.slice(0, k));
    }
  });
});

describe('createCpuBackend', () => {
  const backend = createCpuBackend();
  const m = 2500; // more than one block of 1024
  const xc = uniform(m * d, random);

  it('predict equals posterior', async () => {
    const p = await backend.predict(gp, xc, m);
    expect(p).toEqual(posterior(gp, xc, m));
    expect(backend.name).toBe('cpu');
  });

  it.each(['ei', 'logEI', 'pi', 'ucb'] as const)(
    'scoreTopK(%s) returns the k best by acquisition',
    async (kind) => {
      const acq = { kind, best: -0.9 };
      const p = posterior(gp, xc, m);
      const values = acquisitionValues(acq, p.mean, p.variance);
      const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b);
      const t = await backend.scoreTopK(gp, xc, m, acq, 16);
      expect(Array.from(t.index)).toEqual(order.slice(0, 16));
      expect(Array.from(t.value)).toEqual(order.slice(0, 16).map((i) => values[i]!));
    },
  );

  it('rejects a bad k or acquisition before scoring', async () => {
    await expect(backend.scoreTopK(gp, xc, m, { kind: 'ei', best: 0 }, m + 1)).rejects.toThrow(
      /scoreTopK: k \(2501\) must be an integer in \[0, m = 2500\]/,
    );
    await expect(backend.scoreTopK(gp, xc, m, { kind: 'ei', best: Number.NaN }, 3)).rejects.toThrow(
      /acquisition.best: NaN/,
    );
    backend.destroy();
  });
});

describe('scoreTopKSync pruning', () => {
  // A fitted GP on a smooth 5-D function: most candidates are clearly worse than the best few.
  const r = seeded(41);
  const dd = 5;
  const nn = 60;
  const xs = uniform(nn * dd, r);
  const f = (p: Float64Array, o: number) => {
    let s = 0;
    for (let j = 0; j < dd; j++) s += (p[o + j]! - 0.3) ** 2 * (j + 1);
    return s;
  };
  const fitted = fitGP(
    xs,
    Float64Array.from({ length: nn }, (_, i) => f(xs, i * dd)),
    nn,
    {
      kernel: { kind: 'matern52', d: dd },
      restarts: 0,
    },
  );
  const mm = 3000;
  const cands = uniform(mm * dd, r);
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < nn; i++) best = Math.min(best, (f(xs, i * dd) - fitted.yMean) / fitted.yStd);

  const brute = (acq: Parameters<typeof acquisitionValues>[0], k: number) => {
    const p = posterior(fitted, cands, mm);
    const values = acquisitionValues(acq, p.mean, p.variance);
    const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b);
    return { index: order.slice(0, k), value: order.slice(0, k).map((i) => values[i]!) };
  };

  it.each([
    ['ei', { kind: 'ei', best }],
    ['logEI', { kind: 'logEI', best }],
    ['logEI far below every mean', { kind: 'logEI', best: best - 30 }],
    ['pi', { kind: 'pi', best }],
    ['ucb', { kind: 'ucb', best }],
    ['ucb beta 0', { kind: 'ucb', best, beta: 0 }],
  ] as const)('%s: same top k as the brute force, fewer solves', (_, acq) => {
    for (const k of [1, 10, 100]) {
      const stats: ScoreStats = { exact: 0 };
      const t = scoreTopKSync(fitted, cands, mm, acq, k, stats);
      const b = brute(acq, k);
      expect(Array.from(t.index)).toEqual(b.index);
      expect(Array.from(t.value)).toEqual(b.value);
      expect(stats.exact).toBeGreaterThanOrEqual(k);
      expect(stats.exact).toBeLessThanOrEqual(mm);
    }
    const stats: ScoreStats = { exact: 0 };
    scoreTopKSync(fitted, cands, mm, acq, 8, stats);
    // With the incumbent as `best` the bound prunes most candidates (here ~3% are solved).
    if (acq.best === best) expect(stats.exact).toBeLessThan(mm / 4);
  });

  it('is exact when the bound is tight (one training point) and with candidates on the data', () => {
    const one = conditionGP(
      { kind: 'rbf', d: 2 },
      { lengthscales: Float64Array.from([0.2, 0.2]), outputScale: 1, noise: 1e-6 },
      Float64Array.from([0.5, 0.5]),
      1,
      Float64Array.of(0),
      0,
      1,
    );
    const c = uniform(400 * 2, r);
    c[0] = 0.5;
    c[1] = 0.5;
    for (const kind of ['ei', 'logEI', 'pi', 'ucb'] as const) {
      const acq = { kind, best: -0.1 };
      const p = posterior(one, c, 400);
      const values = acquisitionValues(acq, p.mean, p.variance);
      const order = Array.from(values.keys()).sort((a, b) => values[b]! - values[a]! || a - b);
      const t = scoreTopKSync(one, c, 400, acq, 5);
      expect(Array.from(t.index)).toEqual(order.slice(0, 5));
    }
  });
});

describe('createCpuBackend threads', () => {
  it('splits a large call between threads and returns what one thread does', async () => {
    const random = seeded(21);
    const n = 300;
    const d = 4;
    const m = 4000;
    const x = uniform(n * d, random);
    const y = uniform(n, random);
    const { ys, mean, std } = standardize(y, n);
    const gp = conditionGP(
      { kind: 'matern52', d },
      { lengthscales: Float64Array.from([0.3, 0.4, 0.5, 0.6]), outputScale: 1, noise: 1e-4 },
      x,
      n,
      ys,
      mean,
      std,
    );
    const xc = uniform(m * d, random);
    expect(n * m).toBeGreaterThanOrEqual(THREAD_MIN_WORK);
    const acq = { kind: 'logEI' as const, best: Math.min(...ys) };
    const one = createCpuBackend({ threads: 1 });
    const three = createCpuBackend({ threads: 3 });
    const a = await one.scoreTopK(gp, xc, m, acq, 25);
    const b = await three.scoreTopK(gp, xc, m, acq, 25);
    expect(Array.from(b.index)).toEqual(Array.from(a.index));
    expect(Array.from(b.value)).toEqual(Array.from(a.value));
    // The worker threads themselves start here (no silent single-thread fallback).
    const pool = await createScoringThreads(3);
    expect(pool?.threads).toBe(3);
    const c = await pool!.scoreTopK(gp, xc, m, acq, 25, scoreTopKSync);
    expect(Array.from(c.index)).toEqual(Array.from(a.index));
    pool!.destroy();
    await expect(three.scoreTopK(gp, xc, m, acq, m + 1)).rejects.toThrow(/k \(4001\) must be/);
    one.destroy();
    three.destroy();
    expect(() => createCpuBackend({ threads: 0 })).toThrow('threads: 0 must be an integer ≥ 1');
  });
});
