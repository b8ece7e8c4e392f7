import { describe, expect, it } from 'vitest';
import { topK } from '../cpuBackend.js';
import { mulberry32 } from '../random.js';
import { type CertifySources, certifiedTopK } from './certify.js';

/** Sources from exact values and bounds: top() sorts by bound, exact() looks values up. */
function sources(values: Float64Array, bounds: Float64Array): CertifySources & { asked: number } {
  const order = Uint32Array.from(values.keys()).sort((a, b) => bounds[b]! - bounds[a]! || a - b);
  const s = {
    asked: 0,
    top: async (count: number) => ({
      index: order.slice(0, count),
      bound: Float64Array.from(order.slice(0, count), (i) => bounds[i]!),
    }),
    exact: async (index: Uint32Array) => {
      s.asked += index.length;
      return Float64Array.from(index, (i) => values[i]!);
    },
  };
  return s;
}

describe('certifiedTopK', () => {
  const rand = mulberry32(3);
  const m = 5000;
  const values = Float64Array.from({ length: m }, () => -Math.log(rand()) * (rand() < 0.5 ? 1 : 3));
  values[17] = Number.NaN;
  values[42] = values[41]!;

  it('equals the exact top k whenever every bound holds, scoring few candidates', async () => {
    for (const k of [1, 8, 100]) {
      const bounds = values.map((v) => (Number.isNaN(v) ? Infinity : v + 0.05 * rand()));
      const src = sources(values, bounds);
      const got = await certifiedTopK(m, k, 64, src);
      const want = topK(values, k);
      expect(Array.from(got.index)).toEqual(Array.from(want.index));
      expect(Array.from(got.value)).toEqual(Array.from(want.value));
      expect(got.exact).toBe(src.asked);
      expect(got.exact).toBeLessThan(m / 4);
    }
  });

  it('scores everything when k = m, and keeps ties to the lower index', async () => {
    const got = await certifiedTopK(
      m,
      m,
      64,
      sources(
        values,
        values.map(() => Infinity),
      ),
    );
    const want = topK(values, m);
    expect(Array.from(got.index)).toEqual(Array.from(want.index));
    expect(got.exact).toBe(m);
  });

  it('rests on the bounds: one that underestimates can lose the best candidate', async () => {
    const best = topK(values, 1).index[0]!;
    const bounds = values.map((v, i) => (i === best ? -Infinity : v));
    const got = await certifiedTopK(m, 1, 64, sources(values, bounds));
    expect(got.index[0]).not.toBe(best);
  });
});
