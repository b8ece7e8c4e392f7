import { mulberry32 } from '@webtune/gp';
import { type Config, createSpace, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { type ImportanceTrial, paramImportances } from './importance.js';

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
      [{ measure: 'second' as 'first' }, "measure 'second' must be 'first' or 'total'"],
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
