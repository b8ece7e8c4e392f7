import { createRng } from '@webtune/core';
import { createCpuBackend, fitGP, kernelMatrix, posterior } from '@webtune/gp';
import { createSpace } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import {
  acquisitionObjective,
  createModelEncoding,
  enumerateSpace,
  localSearchDiscrete,
  maximizeOverSpace,
  type PointObjective,
  polishContinuous,
} from './acqopt.js';

/** −Σ w_i (x_i − c_i)², maximised at c (clipped to the cube). */
function bowl(c: number[], w: number[]): PointObjective {
  const value = (x: ArrayLike<number>, o = 0) => {
    let s = 0;
    for (let i = 0; i < c.length; i++) s -= w[i]! * (x[o + i]! - c[i]!) ** 2;
    return s;
  };
  return {
    valueAndGrad(x, g) {
      for (let i = 0; i < c.length; i++) g[i] = -2 * w[i]! * (x[i]! - c[i]!);
      return value(x);
    },
    values(points, m) {
      const out = new Float64Array(m);
      for (let r = 0; r < m; r++) out[r] = value(points, r * c.length);
      return out;
    },
  };
}

describe('polishContinuous (projected L-BFGS)', () => {
  it('finds the maximum of an ill-conditioned bowl inside the cube', () => {
    const x = Float64Array.from([0.9, 0.1, 0.5]);
    const v = polishContinuous(
      bowl([0.3, 0.7, 0.45], [1, 100, 10]),
      x,
      Int32Array.from([0, 1, 2]),
      100,
    );
    expect(v).toBeGreaterThan(-1e-10);
    expect(x[0]).toBeCloseTo(0.3, 5);
    expect(x[1]).toBeCloseTo(0.7, 5);
    expect(x[2]).toBeCloseTo(0.45, 5);
  });

  it('stops at the bound when the maximum lies outside, and leaves frozen dims alone', () => {
    const x = Float64Array.from([0.5, 0.5]);
    polishContinuous(bowl([1.4, -0.2], [1, 1]), x, Int32Array.from([0]), 100);
    expect(x[0]).toBe(1);
    expect(x[1]).toBe(0.5);
  });
});

describe('createModelEncoding', () => {
  it('collapses monotonic numeric categoricals to one ordered dim and the others to one code dim each', () => {
    const space = createSpace({
      lr: { type: 'float', low: 1e-4, high: 1, log: true },
      batch: { type: 'categorical', choices: [32, 64, 128, 256] },
      act: { type: 'categorical', choices: ['relu', 'tanh', 'gelu'] },
      n: { type: 'int', low: 1, high: 5 },
    });
    const enc = createModelEncoding(space, 'matern52');
    expect(space.dims).toBe(1 + 4 + 3 + 1);
    expect(enc.modelDims).toBe(4);
    expect(enc.identity).toBe(false);
    expect(enc.kernel.categoricalGroups).toEqual([{ start: 2, size: 1 }]);
    const p = space.encode({ lr: 0.01, batch: 128, act: 'tanh', n: 3 });
    const m = enc.toModel(p);
    expect(m[0]).toBeCloseTo(p[0]!, 12);
    expect(m[1]).toBeCloseTo(2 / 3, 12);
    expect(m[2]).toBe(1.5 / 3);
    expect(enc.continuous).toEqual(Int32Array.from([0]));
    expect(enc.continuousModel).toEqual(Int32Array.from([0]));
    expect(enc.discreteParams).toEqual(['n']);
    const plain = createModelEncoding(space, 'matern52', { ordinal: false });
    expect(plain.modelDims).toBe(4);
    expect(plain.kernel.categoricalGroups).toEqual([
      { start: 1, size: 1 },
      { start: 2, size: 1 },
    ]);
    const floats = createSpace({ a: { type: 'float', low: 0, high: 1 } });
    expect(createModelEncoding(floats, 'matern52').identity).toBe(true);
  });

  it('gives the GP the same kernel on the code dim as on the one-hot block (Hamming distance)', () => {
    const space = createSpace({
      x: { type: 'float', low: 0, high: 1 },
      c: { type: 'categorical', choices: ['a', 'b', 'c', 'd'] },
      d: { type: 'categorical', choices: ['u', 'v'], when: { c: ['a'] } },
    });
    const enc = createModelEncoding(space, 'matern52', { ordinal: false });
    const configs = [
      { x: 0.2, c: 'a', d: 'u' },
      { x: 0.2, c: 'a', d: 'v' },
      { x: 0.7, c: 'b' },
      { x: 0.7, c: 'c' },
    ];
    const model = new Float64Array(configs.length * enc.modelDims);
    configs.forEach((c, i) => {
      enc.toModel(space.encode(c), model, i * enc.modelDims);
    });
    const params = {
      lengthscales: Float64Array.from([0.5, 0.7, 1.3]),
      outputScale: 1,
      noise: 0,
    };
    const k = kernelMatrix(enc.kernel, params, model, configs.length);
    // One-hot reference: same(c) and same(d) (inactive d equal only to inactive d).
    const ref = (i: number, j: number) => {
      const a = configs[i]!;
      const b = configs[j]!;
      const r2 =
        ((a.x - b.x) / 0.5) ** 2 +
        (a.c === b.c ? 0 : 1 / 0.7 ** 2) +
        (a.d === b.d ? 0 : 1 / 1.3 ** 2);
      const r = Math.sqrt(r2);
      return (1 + Math.sqrt(5) * r + (5 / 3) * r2) * Math.exp(-Math.sqrt(5) * r);
    };
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) expect(k[i * 4 + j]).toBeCloseTo(ref(i, j), 12);
  });
});

describe('localSearchDiscrete', () => {
  it('walks ints step by step and switches categories towards the best', () => {
    const space = createSpace({
      n: { type: 'int', low: 0, high: 10 },
      c: { type: 'categorical', choices: ['a', 'b', 'c'] },
    });
    const enc = createModelEncoding(space, 'matern52');
    const score = (x: ArrayLike<number>, o: number) => {
      const cfg = space.decode(Array.from({ length: space.dims }, (_, i) => x[o + i]!));
      return -(((cfg.n as number) - 7) ** 2) + (cfg.c === 'c' ? 1 : 0);
    };
    const f: PointObjective = {
      valueAndGrad: (x, g) => {
        g.fill(0);
        return score(x, 0);
      },
      values: (pts, m) => Float64Array.from({ length: m }, (_, r) => score(pts, r * space.dims)),
    };
    const x = space.encode({ n: 2, c: 'a' });
    const v = localSearchDiscrete(f, space, enc, x, score(x, 0), 20);
    expect(space.decode(x)).toEqual({ n: 7, c: 'c' });
    expect(v).toBe(1);
  });
});

describe('maximizeOverSpace', () => {
  const space = createSpace({
    x: { type: 'float', low: 0, high: 1 },
    y: { type: 'float', low: 0, high: 1 },
  });
  const enc = createModelEncoding(space, 'matern52');
  const rng = createRng(4);
  const pts: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < 12; i++) {
    const a = rng.random();
    const b = rng.random();
    pts.push(a, b);
    ys.push((a - 0.62) ** 2 + (b - 0.31) ** 2);
  }
  const gp = fitGP(Float64Array.from(pts), Float64Array.from(ys), 12, {
    kernel: enc.kernel,
    fixedNoise: 1e-8,
  });

  it('polishes to the maximum of the posterior-mean acquisition (ucb with β = 0)', async () => {
    const acquisition = { kind: 'ucb' as const, best: 0, beta: 0 };
    const p = await maximizeOverSpace({
      space,
      encoding: enc,
      gp,
      backend: createCpuBackend(),
      acquisition,
      objective: acquisitionObjective(gp, enc, acquisition),
      random: createRng(1),
      poolSeed: 3,
      incumbents: [],
      exclude: new Set(),
      options: { candidates: 256, restarts: 4 },
    });
    // No candidate on a fine grid has a lower posterior mean than the proposal.
    const grid: number[] = [];
    for (let i = 0; i <= 100; i++) for (let j = 0; j <= 100; j++) grid.push(i / 100, j / 100);
    const post = posterior(gp, Float64Array.from(grid), 101 * 101);
    const gridBest = Math.max(...post.mean.map((m) => -m));
    expect(p.value).toBeGreaterThanOrEqual(gridBest - 1e-9);
    expect(p.config.x as number).toBeCloseTo(0.62, 1);
    expect(p.config.y as number).toBeCloseTo(0.31, 1);
  });

  it('scores the untried configurations of a finite space exactly, and repeats only when all are tried', async () => {
    const finite = createSpace({
      a: { type: 'int', low: 0, high: 3 },
      b: { type: 'categorical', choices: ['p', 'q'] },
    });
    const e = createModelEncoding(finite, 'matern52');
    const all = enumerateSpace(finite, e, 100)!;
    expect(all.configs).toHaveLength(8);
    const xs = all.model.slice(0, 3 * e.modelDims);
    const g = fitGP(xs, Float64Array.from([3, 2, 1]), 3, { kernel: e.kernel });
    const acquisition = { kind: 'ucb' as const, best: 0, beta: 4 };
    const args = {
      space: finite,
      encoding: e,
      gp: g,
      backend: createCpuBackend(),
      acquisition,
      objective: acquisitionObjective(g, e, acquisition),
      random: createRng(1),
      poolSeed: 1,
      incumbents: [],
      finite: all,
    };
    const exclude = new Set(all.keys.slice(0, 7));
    const p = await maximizeOverSpace({ ...args, exclude });
    expect(finite.key(p.config)).toBe(all.keys[7]);
    const again = await maximizeOverSpace({ ...args, exclude: new Set(all.keys) });
    expect(all.keys).toContain(finite.key(again.config));
  });
});
