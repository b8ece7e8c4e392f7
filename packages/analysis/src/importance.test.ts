import { conditionGP, crossCovariance, fitGP, mulberry32, standardize } from '@webtune/gp';
import { type Config, createSpace, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import {
  type ImportanceTrial,
  importanceReport,
  looR2,
  MIN_EXPLAINED,
  paramImportances,
  thinByNumber,
} from './importance.js';

interface T extends ImportanceTrial {
  number: number;
  durationMs?: number;
}

/** n complete trials drawn by the space's sampler (seeded), valued by f; plus a failed, a pruned and a running trial whose values would distort the result if they counted. */
function study(json: SpaceJSON, f: (c: Config) => number, n: number, seed = 1): T[] {
  const space = createSpace(json);
  const rng = { random: mulberry32(seed) };
  const trials: T[] = Array.from({ length: n }, (_, i) => {
    const params = space.sample(rng);
    return { number: i, params, state: 'complete', value: f(params) };
  });
  const other = space.sample(rng);
  trials.push({ number: n, params: other, state: 'failed' });
  trials.push({ number: n + 1, params: other, state: 'pruned', value: 1e9 });
  trials.push({ number: n + 2, params: other, state: 'running', value: null });
  return trials;
}

const byName = (r: { name: string; importance: number }[]) =>
  Object.fromEntries(r.map((p) => [p.name, p.importance]));
const sum = (r: { importance: number }[]) => r.reduce((s, p) => s + p.importance, 0);

const linear: SpaceJSON = {
  x0: { type: 'float', low: 0, high: 1 },
  x1: { type: 'float', low: 0, high: 1 },
};

describe('paramImportances', () => {
  it('ranks x0 first for f = 10·x0 + 0.1·x1, importances summing to 1', () => {
    const trials = study(linear, (c) => 10 * (c.x0 as number) + 0.1 * (c.x1 as number), 20);
    const r = paramImportances(trials, linear);
    expect(r.map((p) => p.name)).toEqual(['x0', 'x1']);
    expect(r[0]!.importance).toBeGreaterThanOrEqual(0.9);
    expect(sum(r)).toBeCloseTo(1, 12);
    for (const p of r) {
      expect(p.total).toBeGreaterThanOrEqual(p.first - 0.02);
      expect(p.importance).toBeGreaterThanOrEqual(0);
    }
  });

  const mixed: SpaceJSON = {
    lr: { type: 'float', low: 1e-5, high: 1, log: true },
    optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
    x: { type: 'float', low: 0, high: 1 },
    layers: { type: 'int', low: 1, high: 8 },
  };
  const shift: Record<string, number> = { adam: 0, sgd: 2, rmsprop: 5 };

  it('lets a categorical dominate when f depends only on it', () => {
    const trials = study(mixed, (c) => shift[c.optimizer as string]!, 30);
    const r = paramImportances(trials, mixed);
    expect(r[0]!.name).toBe('optimizer');
    expect(r[0]!.importance).toBeGreaterThan(0.9);
    expect(sum(r)).toBeCloseTo(1, 12);
  });

  it('gives an irrelevant log-scaled float less than 0.05', () => {
    const f = (c: Config) =>
      Math.sin(4 * (c.x as number)) +
      shift[c.optimizer as string]! / 5 +
      0.1 * (c.layers as number);
    const r = byName(paramImportances(study(mixed, f, 40), mixed));
    expect(r.lr).toBeLessThan(0.05);
    expect(r.x! + r.optimizer! + r.layers!).toBeGreaterThan(0.95);
  });

  it('is reproducible: same seed → identical output, another seed → close', () => {
    const f = (c: Config) => (c.x as number) ** 2 + shift[c.optimizer as string]! / 10;
    const trials = study(mixed, f, 25);
    const a = paramImportances(trials, mixed, { seed: 7 });
    expect(paramImportances(trials, mixed, { seed: 7 })).toEqual(a);
    const b = paramImportances(trials, mixed, { seed: 8 });
    expect(b).not.toEqual(a);
    expect(sum(b)).toBeCloseTo(1, 12);
    const ib = byName(b);
    for (const p of a) expect(Math.abs(p.importance - ib[p.name]!)).toBeLessThan(0.05);
  });

  it('measures conditional parameters where they are active', () => {
    const space: SpaceJSON = {
      optimizer: { type: 'categorical', choices: ['adam', 'sgd'] },
      momentum: { type: 'float', low: 0, high: 1, when: { optimizer: ['sgd'] } },
      wd: { type: 'float', low: 1e-6, high: 1e-2, log: true },
    };
    // adam: 1; sgd: 4·momentum, which is 1 on average — the optimizer's own effect is small.
    const f = (c: Config) => (c.optimizer === 'adam' ? 1 : 4 * (c.momentum as number) - 1);
    const r = paramImportances(study(space, f, 40), space, { measure: 'total' });
    const imp = byName(r);
    expect(r[0]!.name).toBe('momentum');
    expect(imp.wd).toBeLessThan(0.05);
    expect(sum(r)).toBeCloseTo(1, 12);
  });

  it('decomposes any target of the trial, and ranks only the listed params', () => {
    const trials = study(linear, (c) => c.x0 as number, 20).map((t) => ({
      ...t,
      durationMs: 100 + 50 * (t.params.x1 as number),
    }));
    const byDuration = paramImportances(trials, linear, { target: (t) => t.durationMs! });
    expect(byDuration[0]!.name).toBe('x1');
    const only = paramImportances(trials, linear, { params: ['x0'] });
    expect(only).toHaveLength(1);
    expect(only[0]).toMatchObject({ name: 'x0', importance: 1 });
    expect(only[0]!.first).toBeGreaterThan(0.95);
  });

  it('matches the exact ANOVA of a finite space when every configuration was tried', () => {
    const json: SpaceJSON = {
      a: { type: 'int', low: 0, high: 3 },
      b: { type: 'categorical', choices: ['x', 'y', 'z'] },
      c: { type: 'int', low: 1, high: 4 },
    };
    const f = (c: Config) => {
      const a = c.a as number;
      return (a - 1.5) ** 2 + (c.b === 'x' ? 2 * a : c.b === 'y' ? 1 : 0) + 0.1 * (c.c as number);
    };
    const configs = createSpace(json).enumerate();
    const trials = configs.map((params, number) => ({
      number,
      params,
      state: 'complete',
      value: f(params),
    }));
    // Exact indices by enumeration: every configuration has weight 1/48 under the sampler.
    const values = configs.map(f);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    const exact = (name: string) => {
      const byValue = new Map<unknown, number[]>();
      const byRest = new Map<string, number[]>();
      configs.forEach((c, j) => {
        const rest = JSON.stringify({ ...c, [name]: null });
        byValue.set(c[name], [...(byValue.get(c[name]) ?? []), values[j]!]);
        byRest.set(rest, [...(byRest.get(rest) ?? []), values[j]!]);
      });
      const avg = (vs: number[]) => vs.reduce((s, v) => s + v, 0) / vs.length;
      const spread = (vs: number[]) => avg(vs.map((v) => (v - avg(vs)) ** 2));
      const first = spread([...byValue.values()].map(avg)) / variance;
      const total = avg([...byRest.values()].map(spread)) / variance;
      return { first, total };
    };
    // Tolerance: Monte Carlo error at N = 4096 (≈ 0.01) plus the GP's fit on 48 noise-free points.
    for (const p of paramImportances(trials, json)) {
      const e = exact(p.name);
      expect(Math.abs(p.first - e.first)).toBeLessThan(0.03);
      expect(Math.abs(p.total - e.total)).toBeLessThan(0.03);
    }
  });

  it('takes a Space as well as its JSON', () => {
    const trials = study(linear, (c) => c.x0 as number, 10);
    expect(paramImportances(trials, createSpace(linear))).toEqual(paramImportances(trials, linear));
  });

  describe('rejects bad inputs by name', () => {
    const trials = study(linear, (c) => c.x0 as number, 6);
    it.each([
      [{ seed: 1.5 }, 'seed (1.5) must be an integer'],
      [{ samples: 1 }, 'samples (1) must be an integer ≥ 2'],
      [{ measure: 'second' as 'first' }, "measure 'second' must be 'first', 'total' or 'auto'"],
      [{ maxTrials: 1 }, 'maxTrials (1) must be an integer ≥ 2'],
      [{ maxTrials: 2.5 }, 'maxTrials (2.5) must be an integer ≥ 2'],
      [{ params: ['x0', 'lr'] }, "params[1] 'lr' is not a parameter of the space (x0, x1)"],
      [{ params: ['x0', 'x0'] }, "params[1] 'x0' is listed twice"],
      [{ params: [] }, 'params () must be a non-empty list of names'],
    ])('%o', (options, message) => {
      expect(() => paramImportances(trials, linear, options)).toThrow(message);
    });

    it('counts the complete trials', () => {
      const few = [trials[0]!, ...trials.slice(-3)];
      expect(() => paramImportances(few, linear)).toThrow(
        'needs at least 2 complete trials, got 1 (of 4: 1 complete, 1 failed, 1 pruned, 1 running)',
      );
      expect(() => paramImportances([], linear)).toThrow('got 0 (of 0)');
    });

    it('names the trial with a target or configuration that does not fit', () => {
      const bad = trials.map((t) => (t.number === 3 ? { ...t, params: { x0: 2, x1: 0 } } : t));
      expect(() => paramImportances(bad, linear)).toThrow('trial 3: space.x0:');
      expect(() =>
        paramImportances(trials, linear, { target: (t) => (t.number === 4 ? Number.NaN : 1) }),
      ).toThrow('trial 4: target is NaN, must be a finite number');
    });

    it('refuses targets without variance', () => {
      expect(() => paramImportances(trials, linear, { target: () => 3 })).toThrow(
        'all 6 complete trials have the target 3: there is no variance to explain',
      );
    });

    it('reports an invalid space by parameter', () => {
      expect(() => paramImportances(trials, { x0: { type: 'float', low: 1, high: 0 } })).toThrow(
        'space.x0',
      );
    });
  });
});

// Pure interaction, symmetric: E[a·b | a] = 0, so no parameter explains anything alone.
const square: SpaceJSON = {
  a: { type: 'float', low: -1, high: 1 },
  b: { type: 'float', low: -1, high: 1 },
};
const product = (c: Config) => (c.a as number) * (c.b as number);
const grid: SpaceJSON = {
  lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
};

describe('importanceReport', () => {
  it('says single parameters explain almost nothing of f = a·b, and ranks by total under auto', () => {
    const trials = study(square, product, 30);
    const first = importanceReport(trials, square);
    expect(first.measure).toBe('first');
    expect(first.explained).toBeLessThan(0.1);
    expect(first.fitR2).toBeGreaterThan(0.95);
    for (const p of first.params) expect(p.total).toBeGreaterThan(0.9);
    const auto = importanceReport(trials, square, { measure: 'auto' });
    expect(auto.measure).toBe('total');
    expect(auto.explained).toBe(first.explained);
    for (const p of auto.params) expect(p.importance).toBeCloseTo(0.5, 1);
  });

  it('gives a fit R² near 0 for pure noise (30 trials), whatever the ranking looks like', () => {
    for (const seed of [1, 2, 3]) {
      const rng = mulberry32(seed + 100);
      const r = importanceReport(
        study(grid, () => rng(), 30, seed),
        grid,
      );
      expect(r.fitR2).toBeLessThan(0.3);
    }
  });

  it('leaves clean cases as they were: high explained and fit, auto = first', () => {
    const trials = study(linear, (c) => 10 * (c.x0 as number) + 0.1 * (c.x1 as number), 20);
    const r = importanceReport(trials, linear, { measure: 'auto' });
    expect(r.measure).toBe('first');
    expect(r.explained).toBeGreaterThan(0.95);
    expect(r.explained).toBeGreaterThanOrEqual(MIN_EXPLAINED);
    expect(r.fitR2).toBeGreaterThan(0.99);
    expect(r.params).toEqual(paramImportances(trials, linear));
    expect(r).toMatchObject({ used: 20, complete: 20 });
  });

  it('computes the leave-one-out R² as refitting without each trial would', () => {
    const space = createSpace(linear);
    const rng = { random: mulberry32(4) };
    const n = 12;
    const x = new Float64Array(n * 2);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      const c = space.sample(rng);
      x.set(space.encode(c), j * 2);
      y[j] = Math.sin(5 * (c.x0 as number)) + (c.x1 as number) ** 2;
    }
    const gp = fitGP(x, y, n, { kernel: { kind: 'matern52', d: 2 } });
    expect(gp.jitter).toBe(0);
    const { ys } = standardize(y, n);
    let rss = 0;
    let tss = 0;
    const mean = ys.reduce((s, v) => s + v, 0) / n;
    for (let j = 0; j < n; j++) {
      const keep = [...Array(n).keys()].filter((i) => i !== j);
      const xr = new Float64Array(keep.flatMap((i) => [x[i * 2]!, x[i * 2 + 1]!]));
      const yr = new Float64Array(keep.map((i) => ys[i]!));
      const loo = conditionGP(gp.spec, gp.params, xr, n - 1, yr, gp.yMean, gp.yStd);
      const k = crossCovariance(gp.spec, gp.params, xr, n - 1, x.subarray(j * 2, j * 2 + 2), 1);
      const mu = k.reduce((s, v, i) => s + v * loo.alpha[i]!, 0);
      rss += (ys[j]! - mu) ** 2;
      tss += (ys[j]! - mean) ** 2;
    }
    expect(looR2(gp, y)).toBeCloseTo(1 - rss / tss, 8);
  });

  it('fits at most maxTrials complete trials, evenly by number', () => {
    const trials = study(linear, (c) => Math.sin(6 * (c.x0 as number)), 45).reverse();
    const r = importanceReport(trials, linear, { maxTrials: 30, samples: 512 });
    expect(r).toMatchObject({ used: 30, complete: 45 });
    const complete = trials.filter((t) => t.state === 'complete');
    const thinned = thinByNumber(complete, 30);
    expect(r.params).toEqual(paramImportances(thinned, linear, { samples: 512 }));
    expect(importanceReport(trials, linear, { maxTrials: 45, samples: 512 }).used).toBe(45);
  });
});

describe('thinByNumber', () => {
  it('keeps the ⌊i·n/max⌋-th trial by number, all of them (ordered) when they fit', () => {
    const ten = Array.from({ length: 10 }, (_, i) => ({ number: 9 - i }));
    expect(thinByNumber(ten, 4).map((t) => t.number)).toEqual([0, 2, 5, 7]);
    expect(thinByNumber(ten, 10).map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const unnumbered = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => ({ name, number: undefined }));
    expect(thinByNumber(unnumbered, 3).map((t) => t.name)).toEqual(['a', 'c', 'e']);
    expect(() => thinByNumber(ten, 0)).toThrow('thinByNumber: max (0) must be an integer ≥ 1');
  });
});
