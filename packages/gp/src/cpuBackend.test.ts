import { describe, expect, it } from 'vitest';
import { acquisitionValues } from './acquisition.js';
import { createCpuBackend, topK } from './cpuBackend.js';
import { conditionGP } from './fit.js';
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
