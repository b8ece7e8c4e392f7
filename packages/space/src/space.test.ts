import { describe, expect, it } from 'vitest';
import { categorical, float, int, space } from './builder.js';
import { SpaceError } from './errors.js';
import { steppedValues } from './params.js';
import { createSpace, explainNonMember, fromJSON, isSpace } from './space.js';
import type { Config, RandomSource, SpaceJSON } from './types.js';

/** mulberry32: a tiny seeded generator so the tests do not depend on @webtune/core. */
function rngFrom(seed: number): RandomSource {
  let a = seed >>> 0;
  return {
    random() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

const canonical: SpaceJSON = {
  lr: { type: 'float', low: 0.0001, high: 1, log: true },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'int', low: 64, high: 512, step: 64 },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  momentum: { type: 'float', low: 0, high: 0.99, when: { optimizer: ['sgd', 'rmsprop'] } },
  nesterov: { type: 'categorical', choices: [true, false], when: { optimizer: ['sgd'] } },
  dampening: { type: 'float', low: 0, high: 0.5, step: 0.1, when: { nesterov: [false] } },
  layers: { type: 'int', low: 1, high: 1000, log: true },
};

/** Every kind: continuous, log, stepped, int log, categorical, conditions nested two deep. */
const full = createSpace(canonical);

describe('JSON', () => {
  it('round-trips the canonical form exactly, key order included', () => {
    expect(JSON.stringify(full.toJSON())).toBe(JSON.stringify(canonical));
    expect(JSON.stringify(fromJSON(full.toJSON()).toJSON())).toBe(JSON.stringify(canonical));
    expect(JSON.parse(JSON.stringify(full))).toEqual(canonical);
  });

  it('drops defaults and reorders keys into the canonical form', () => {
    const s = createSpace({
      a: { log: false, high: 4, low: 0, type: 'int', step: 1 },
      b: { when: { a: [1] }, choices: ['x'], type: 'categorical' },
    });
    expect(JSON.stringify(s.toJSON())).toBe(
      '{"a":{"type":"int","low":0,"high":4},"b":{"type":"categorical","choices":["x"],"when":{"a":[1]}}}',
    );
  });

  it('hands out copies, so callers cannot change the space', () => {
    const json = full.toJSON();
    (json.batch as unknown as { choices: number[] }).choices.push(512);
    const p = full.param('batch');
    (p as unknown as { choices: number[] }).choices.length = 0;
    expect(full.param('batch')).toEqual(canonical.batch);
    expect(() => full.param('nope')).toThrow('space.nope: not a parameter of this space');
  });

  it('createSpace accepts a built space, and isSpace tells them apart', () => {
    expect(createSpace(full)).toBe(full);
    expect(isSpace(full)).toBe(true);
    expect(isSpace(canonical)).toBe(false);
    expect(isSpace(null)).toBe(false);
  });

  it('the builder produces the same space, typed', () => {
    const s = space({
      lr: float(1e-4, 1, { log: true }),
      batch: categorical([32, 64]),
      hidden: int(64, 512, { step: 64 }),
      optimizer: categorical(['adam', 'sgd']),
      momentum: float(0, 0.99, { when: { optimizer: ['sgd'] } }),
    });
    expect(s.toJSON()).toEqual({
      lr: { type: 'float', low: 1e-4, high: 1, log: true },
      batch: { type: 'categorical', choices: [32, 64] },
      hidden: { type: 'int', low: 64, high: 512, step: 64 },
      optimizer: { type: 'categorical', choices: ['adam', 'sgd'] },
      momentum: { type: 'float', low: 0, high: 0.99, when: { optimizer: ['sgd'] } },
    });
    const c = s.sample(rngFrom(1));
    const batch: 32 | 64 = c.batch;
    const momentum: number | undefined = c.momentum;
    expect([32, 64]).toContain(batch);
    expect(momentum === undefined).toBe(c.optimizer === 'adam');
    expect(() => space({ lr: float(0, 1, { log: true }) })).toThrow(SpaceError);
  });
});

describe('layout and encoding', () => {
  it('lays out one dim per numeric param and a one-hot block per categorical', () => {
    expect(full.names).toEqual(Object.keys(canonical));
    expect(full.dims).toBe(1 + 4 + 1 + 3 + 1 + 2 + 1 + 1);
    expect(full.conditional).toBe(true);
    expect(full.layout.slice(0, 7)).toEqual([
      { param: 'lr', kind: 'continuous' },
      { param: 'batch', kind: 'categorical', choice: 0 },
      { param: 'batch', kind: 'categorical', choice: 1 },
      { param: 'batch', kind: 'categorical', choice: 2 },
      { param: 'batch', kind: 'categorical', choice: 3 },
      { param: 'hidden', kind: 'discrete' },
      { param: 'optimizer', kind: 'categorical', choice: 0 },
    ]);
    expect(full.layout.at(-1)).toEqual({ param: 'layers', kind: 'discrete' });
    expect(full.categoricalGroups).toEqual([
      { param: 'batch', start: 1, size: 4 },
      { param: 'optimizer', start: 6, size: 3 },
      { param: 'nesterov', start: 10, size: 2 },
    ]);
  });

  it('encodes by the documented formulas', () => {
    const point = full.encode({
      lr: 0.01,
      batch: 128,
      hidden: 64,
      optimizer: 'adam',
      layers: 1,
    });
    expect(point).toBeInstanceOf(Float64Array);
    expect(point[0]).toBeCloseTo(0.5, 14); // log10(0.01) is halfway between -4 and 0
    expect(Array.from(point.slice(1, 5))).toEqual([0, 0, 1, 0]);
    expect(point[5]).toBe(0.5 / 8); // first of 8 steps owns [0, 1/8)
    expect(Array.from(point.slice(6, 9))).toEqual([1, 0, 0]);
    expect(point[9]).toBe(0.5); // momentum inactive
    expect(Array.from(point.slice(10, 12))).toEqual([0, 0]); // nesterov inactive
    expect(point[12]).toBe(0.5); // dampening inactive
    expect(point[13]).toBeCloseTo(Math.log(1 / 0.5) / Math.log(1000.5 / 0.5), 14);
  });

  it('decode clamps, snaps and argmaxes (ties to the lowest index)', () => {
    const s = createSpace({
      x: { type: 'float', low: -2, high: 3 },
      l: { type: 'float', low: 0.001, high: 10, log: true },
      i: { type: 'int', low: 0, high: 4 },
      m: { type: 'float', low: 0, high: 1, step: 0.1 },
      c: { type: 'categorical', choices: ['a', 'b', 'c'] },
    });
    expect(s.decode([-5, -1, -0.3, -1, 0.2, 0.7, 0.7])).toEqual({
      x: -2,
      l: 0.001,
      i: 0,
      m: 0,
      c: 'b',
    });
    expect(s.decode([7, 2, 1.4, 1, 0, 0, 0])).toEqual({ x: 3, l: 10, i: 4, m: 1, c: 'a' });
    expect(s.decode([0, 1, 0.19, 0.3, 0, 0, 1])).toEqual({ x: -2, l: 10, i: 0, m: 0.3, c: 'c' });
    expect(s.decode([1, 0, 0.21, 0.33, 0, 0, 1])).toMatchObject({ i: 1, m: 0.3 });
    expect(() => s.decode([0, 0, 0])).toThrow('space: decode: point has length 3, expected 7');
    expect(() => s.decode([0, 0, Number.NaN, 0, 0, 0, 0])).toThrow(
      'space.i: decode: point[2] is NaN',
    );
  });

  it('decode(encode(c)) == c for many sampled configs (conditional space)', () => {
    const rng = rngFrom(7);
    const seen = new Set<string>();
    for (let t = 0; t < 2000; t++) {
      const c = full.sample(rng);
      expect(full.contains(c)).toBe(true);
      const back = full.decode(full.encode(c));
      const { lr, momentum, ...exact } = c;
      const { lr: lr2, momentum: momentum2, ...exact2 } = back;
      expect(exact2).toEqual(exact); // ints, steps, categoricals, activity: exactly
      expect(Object.keys(back)).toEqual(Object.keys(c));
      expect(Math.abs((lr2 as number) / (lr as number) - 1)).toBeLessThan(1e-12);
      if (momentum !== undefined) expect(momentum2).toBeCloseTo(momentum as number, 12);
      expect(full.contains(back)).toBe(true);
      seen.add(Object.keys(c).join());
    }
    expect(seen.size).toBe(4); // adam; rmsprop; sgd + nesterov; sgd + nesterov=false + dampening
  });

  it('decode(encode(c)) deep-equals c on every member of finite spaces', () => {
    const s = createSpace({
      opt: { type: 'categorical', choices: ['adam', 'sgd'] },
      m: { type: 'float', low: 0, high: 0.99, step: 0.11, when: { opt: ['sgd'] } },
      k: { type: 'int', low: 1, high: 64, log: true, when: { m: [0.33, 0.99] } },
      h: { type: 'int', low: -10, high: 10, step: 5 },
      b: { type: 'categorical', choices: [true, false, 0] },
    });
    const all = s.enumerate();
    expect(all.length).toBe(s.size());
    for (const c of all) expect(s.decode(s.encode(c))).toEqual(c);
  });

  it('encode throws a SpaceError naming the parameter for a non-member', () => {
    expect(() => full.encode({ lr: 0.01 })).toThrow('space.batch: missing from the configuration');
  });
});

describe('conditions', () => {
  it('a child of an inactive parent is inactive, nested', () => {
    const rng = rngFrom(3);
    let withDampening = 0;
    for (let t = 0; t < 500; t++) {
      const c = full.sample(rng);
      expect('momentum' in c).toBe(c.optimizer !== 'adam');
      expect('nesterov' in c).toBe(c.optimizer === 'sgd');
      expect('dampening' in c).toBe(c.optimizer === 'sgd' && c.nesterov === false);
      if ('dampening' in c) withDampening++;
    }
    expect(withDampening).toBeGreaterThan(30);
  });

  it('decode drops inactive parameters even when their dims carry values', () => {
    const p = full.encode({
      lr: 0.1,
      batch: 32,
      hidden: 128,
      optimizer: 'sgd',
      momentum: 0.5,
      nesterov: false,
      dampening: 0.2,
      layers: 10,
    });
    p.set([1, 0, 0], 6); // switch to adam
    const back = full.decode(p);
    expect(Object.keys(back)).toEqual(['lr', 'batch', 'hidden', 'optimizer', 'layers']);
    expect(back).toMatchObject({ batch: 32, hidden: 128, optimizer: 'adam', layers: 10 });
  });

  it('conditions with several parents are ANDed; values within one are ORed', () => {
    const s = createSpace({
      a: { type: 'categorical', choices: [1, 2, 3] },
      b: { type: 'categorical', choices: ['x', 'y'] },
      c: { type: 'int', low: 0, high: 1, when: { a: [1, 3], b: ['y'] } },
    });
    expect(s.enumerate()).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y', c: 0 },
      { a: 1, b: 'y', c: 1 },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 3, b: 'x' },
      { a: 3, b: 'y', c: 0 },
      { a: 3, b: 'y', c: 1 },
    ]);
    expect(s.size()).toBe(8);
  });
});

describe('size, enumerate, grid', () => {
  it('counts a conditional space without duplicates', () => {
    const s = createSpace({
      optimizer: { type: 'categorical', choices: ['adam', 'sgd'] },
      momentum: { type: 'categorical', choices: [0.5, 0.9], when: { optimizer: ['sgd'] } },
    });
    expect(s.size()).toBe(3);
    expect(s.enumerate()).toEqual([
      { optimizer: 'adam' },
      { optimizer: 'sgd', momentum: 0.5 },
      { optimizer: 'sgd', momentum: 0.9 },
    ]);
  });

  it('enumerates lexicographically in declaration order, keys all distinct', () => {
    const s = createSpace({
      lr: { type: 'categorical', choices: [0.1, 0.01] },
      opt: { type: 'categorical', choices: ['adam', 'sgd'] },
      m: { type: 'float', low: 0.8, high: 0.9, step: 0.05, when: { opt: ['sgd'] } },
      n: { type: 'int', low: 1, high: 2, when: { m: [0.9] } },
    });
    const all = s.enumerate();
    expect(all.length).toBe(2 * (1 + 2 + 2));
    expect(s.size()).toBe(all.length);
    expect(all.slice(0, 5)).toEqual([
      { lr: 0.1, opt: 'adam' },
      { lr: 0.1, opt: 'sgd', m: 0.8 },
      { lr: 0.1, opt: 'sgd', m: 0.85 },
      { lr: 0.1, opt: 'sgd', m: 0.9, n: 1 },
      { lr: 0.1, opt: 'sgd', m: 0.9, n: 2 },
    ]);
    expect(new Set(all.map((c) => s.key(c))).size).toBe(all.length);
    for (const c of all) expect(s.contains(c)).toBe(true);
  });

  it('size is a product for unconditional spaces and Infinity with a continuous float', () => {
    const s = createSpace({
      a: { type: 'int', low: 0, high: 999 },
      b: { type: 'int', low: 0, high: 999 },
      c: { type: 'int', low: 0, high: 999 },
    });
    expect(s.size()).toBe(1e9);
    expect(() => s.enumerate()).toThrow(
      'space: enumerate would give 1000000000 configurations, more than the limit of 10000000',
    );
    expect(full.size()).toBe(Number.POSITIVE_INFINITY);
  });

  it('size() equals enumerate().length on random conditional spaces', () => {
    const rng = rngFrom(99);
    const pick = (n: number) => Math.floor(rng.random() * n);
    for (let round = 0; round < 40; round++) {
      const json: SpaceJSON = {};
      const n = 2 + pick(5);
      for (let i = 0; i < n; i++) {
        const def =
          pick(2) === 0
            ? { type: 'categorical' as const, choices: ['a', 'b', 'c'].slice(0, 1 + pick(3)) }
            : { type: 'int' as const, low: 0, high: pick(4) };
        const parent = i > 0 && pick(2) === 0 ? `p${pick(i)}` : undefined;
        const pdef = parent ? json[parent]! : undefined;
        json[`p${i}`] =
          pdef && parent
            ? {
                ...def,
                when: {
                  [parent]: [pdef.type === 'categorical' ? pdef.choices[0]! : (pdef.low as number)],
                },
              }
            : def;
      }
      const s = createSpace(json);
      const all = s.enumerate();
      expect(s.size()).toBe(all.length);
      expect(new Set(all.map((c) => s.key(c))).size).toBe(all.length);
    }
  });

  it('size() does not branch over every value of a wide parent', () => {
    const s = createSpace({
      n: { type: 'int', low: 0, high: 999_999 },
      m: { type: 'int', low: 0, high: 999_999 },
      k: { type: 'int', low: 1, high: 3, when: { n: [5, 6], m: [7] } },
    });
    expect(s.size()).toBe(1e12 - 2 + 2 * 3);
  });

  it('size() and enumerate() of a very wide int do not build its list of values', () => {
    // 2^33 + 1 values: an array of them cannot even be allocated.
    const s = createSpace({
      seed: { type: 'int', low: 0, high: 2 ** 33 },
      k: { type: 'int', low: 1, high: 3, when: { seed: [0, 1] } },
      c: { type: 'categorical', choices: ['a', 'b'] },
    });
    expect(s.size()).toBe((2 ** 33 + 1 - 2 + 2 * 3) * 2);
    expect(() => s.enumerate()).toThrow(
      `space: enumerate would give ${(2 ** 33 + 1 - 2 + 2 * 3) * 2} configurations, more than the limit of 10000000`,
    );
  });

  it('enumerate throws for a continuous space, naming the parameter', () => {
    expect(() => full.enumerate()).toThrow(
      'space.lr: cannot enumerate a continuous float (low < high, no step); use grid({ resolution }) to discretise it',
    );
  });

  it('grid: evenly spaced continuous floats with both ends, log-spaced where log', () => {
    const s = createSpace({
      lr: { type: 'float', low: 1e-4, high: 1, log: true },
      x: { type: 'float', low: -1, high: 1 },
      c: { type: 'categorical', choices: ['a', 'b'] },
    });
    const g = s.grid({ resolution: 5 });
    expect(g.length).toBe(5 * 5 * 2);
    expect([...new Set(g.map((c) => c.lr))]).toEqual([1e-4, 1e-3, 0.01, 0.1, 1]);
    expect([...new Set(g.map((c) => c.x))]).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(s.grid().length).toBe(50);
    const per = s.grid({ resolution: { lr: 3 } });
    expect([...new Set(per.map((c) => c.lr))]).toEqual([1e-4, 0.01, 1]);
    expect([...new Set(per.map((c) => c.x))].length).toBe(5);
    for (const c of g) expect(s.contains(c)).toBe(true);
  });

  it('grid thins ints and stepped floats with more values than the resolution', () => {
    const s = createSpace({
      h: { type: 'int', low: 0, high: 100, step: 10 },
      k: { type: 'int', low: 1, high: 1000, log: true },
      few: { type: 'int', low: 1, high: 3 },
      m: { type: 'float', low: 0, high: 1, step: 0.1 },
    });
    const values = (name: string) => [...new Set(s.grid({ resolution: 3 }).map((c) => c[name]))];
    expect(values('h')).toEqual([0, 50, 100]);
    expect(values('k')).toEqual([1, 32, 1000]);
    expect(values('few')).toEqual([1, 2, 3]);
    expect(values('m')).toEqual([0, 0.5, 1]);
    expect(values('m')).not.toContain(0.30000000000000004);
  });

  it('grid keeps the parent values a condition names, even where thinning would skip them', () => {
    const s = createSpace({
      n: { type: 'int', low: 1, high: 5 },
      extra: { type: 'categorical', choices: ['a', 'b'], when: { n: [2] } },
    });
    const g = s.grid({ resolution: 2 });
    expect([...new Set(g.map((c) => c.n))]).toEqual([1, 2, 5]);
    expect(g.filter((c) => 'extra' in c)).toEqual([
      { n: 2, extra: 'a' },
      { n: 2, extra: 'b' },
    ]);
    for (const c of g) expect(s.contains(c)).toBe(true);
  });

  it('grid respects conditions and validates the resolution', () => {
    const s = createSpace({
      opt: { type: 'categorical', choices: ['adam', 'sgd'] },
      m: { type: 'float', low: 0, high: 1, when: { opt: ['sgd'] } },
    });
    expect(s.grid({ resolution: 3 })).toEqual([
      { opt: 'adam' },
      { opt: 'sgd', m: 0 },
      { opt: 'sgd', m: 0.5 },
      { opt: 'sgd', m: 1 },
    ]);
    expect(() => s.grid({ resolution: 1 })).toThrow(
      'space: grid resolution (1) must be an integer >= 2',
    );
    expect(() => s.grid({ resolution: { m: 2.5 } })).toThrow(
      'space.m: grid resolution (2.5) must be an integer >= 2',
    );
    expect(() => s.grid({ resolution: { mm: 3 } })).toThrow(
      'space.mm: grid resolution given for a parameter not in this space',
    );
  });

  it('stepped float values are exact decimals', () => {
    const s = createSpace({ m: { type: 'float', low: 0.1, high: 0.7, step: 0.2 } });
    expect(s.enumerate().map((c) => c.m)).toEqual([0.1, 0.3, 0.5, 0.7]);
    const t = createSpace({ m: { type: 'float', low: 0, high: 3e-7, step: 1e-7 } });
    expect(t.enumerate().map((c) => c.m)).toEqual([0, 1e-7, 2e-7, 3e-7]);
    const rng = rngFrom(5);
    for (let i = 0; i < 100; i++) expect([0.1, 0.3, 0.5, 0.7]).toContain(s.sample(rng).m);
  });
});

describe('sample', () => {
  it('is deterministic for a seeded source and respects bounds', () => {
    const a = rngFrom(11);
    const b = rngFrom(11);
    for (let i = 0; i < 200; i++) {
      const c = full.sample(a);
      expect(full.sample(b)).toEqual(c);
      expect(full.contains(c)).toBe(true);
      expect(c.lr).toBeGreaterThanOrEqual(1e-4);
      expect(c.lr).toBeLessThanOrEqual(1);
    }
  });

  it('is log-uniform where log, uniform otherwise, uniform over steps (seeded, wide margins)', () => {
    const s = createSpace({
      lr: { type: 'float', low: 1e-4, high: 1, log: true },
      x: { type: 'float', low: 0, high: 10 },
      h: { type: 'int', low: 64, high: 512, step: 64 },
      k: { type: 'int', low: 1, high: 1000, log: true },
      c: { type: 'categorical', choices: ['a', 'b', 'c', 'd'] },
    });
    const rng = rngFrom(42);
    const n = 8000;
    const decade = new Array(4).fill(0);
    let xBelow5 = 0;
    const h = new Map<number, number>();
    const cs = new Map<string, number>();
    let kBelow32 = 0;
    for (let i = 0; i < n; i++) {
      const c = s.sample(rng);
      decade[Math.min(3, Math.floor(Math.log10(c.lr as number) + 4))]++;
      if ((c.x as number) < 5) xBelow5++;
      h.set(c.h as number, (h.get(c.h as number) ?? 0) + 1);
      cs.set(c.c as string, (cs.get(c.c as string) ?? 0) + 1);
      if ((c.k as number) < 32) kBelow32++;
    }
    for (const d of decade) expect(Math.abs(d / n - 0.25)).toBeLessThan(0.03);
    expect(Math.abs(xBelow5 / n - 0.5)).toBeLessThan(0.03);
    expect([...h.keys()].sort((p, q) => p - q)).toEqual([64, 128, 192, 256, 320, 384, 448, 512]);
    for (const v of h.values()) expect(Math.abs(v / n - 1 / 8)).toBeLessThan(0.02);
    for (const v of cs.values()) expect(Math.abs(v / n - 1 / 4)).toBeLessThan(0.03);
    // log-uniform over [0.5, 1000.5]: P(k < 32) = P(x < 31.5) = log(63) / log(2001) ≈ 0.545
    expect(Math.abs(kBelow32 / n - Math.log(63) / Math.log(2001))).toBeLessThan(0.03);
  });
});

describe('contains, key', () => {
  const s = createSpace({
    lr: { type: 'float', low: 1e-4, high: 1, log: true },
    h: { type: 'int', low: 64, high: 512, step: 64 },
    m: { type: 'float', low: 0, high: 1, step: 0.1 },
    opt: { type: 'categorical', choices: ['adam', 'sgd'] },
    mom: { type: 'float', low: 0, high: 0.99, when: { opt: ['sgd'] } },
  });
  const good: Config = { lr: 0.01, h: 128, m: 0.3, opt: 'sgd', mom: 0.9 };

  it('accepts members', () => {
    expect(s.contains(good)).toBe(true);
    expect(s.contains({ lr: 1, h: 512, m: 1, opt: 'adam' })).toBe(true);
  });

  const bad: [string, Config, string][] = [
    [
      'an extra parameter',
      { ...good, extra: 1 },
      'space.extra: not a parameter of this space (value 1)',
    ],
    [
      'a missing parameter',
      { lr: 0.01, h: 128, m: 0.3, opt: 'sgd' },
      'space.mom: missing from the configuration',
    ],
    [
      'an inactive parameter present',
      { lr: 0.01, h: 128, m: 0.3, opt: 'adam', mom: 0.9 },
      'space.mom: present (value 0.9) but inactive: it needs opt ∈ ["sgd"]',
    ],
    ['out of range', { ...good, lr: 2 }, 'space.lr: value 2 is out of range [0.0001, 1]'],
    [
      'off the int step grid',
      { ...good, h: 100 },
      'space.h: value 100 is not on the step grid (64, 128, … 512; step 64)',
    ],
    [
      'off the float step grid',
      { ...good, m: 0.30000000000000004 },
      'space.m: value 0.30000000000000004 is not on the step grid (0, 0.1, … 1; step 0.1)',
    ],
    ['a non-integer int', { ...good, h: 128.5 }, 'space.h: value 128.5 is not an integer'],
    ['a wrong type', { ...good, lr: '0.01' }, 'space.lr: value "0.01" is not a finite number'],
    ['NaN', { ...good, lr: Number.NaN }, 'space.lr: value NaN is not a finite number'],
    [
      'an unknown choice',
      { ...good, opt: 'Adam' },
      'space.opt: value "Adam" is not one of the choices ["adam", "sgd"]',
    ],
  ];
  for (const [label, config, message] of bad) {
    it(`rejects ${label}`, () => {
      expect(s.contains(config)).toBe(false);
      expect(() => s.encode(config)).toThrow(message);
      expect(explainNonMember(s, config)?.message).toBe(message);
    });
  }

  it('key is JSON of the active params in declaration order', () => {
    expect(s.key({ mom: 0.9, opt: 'sgd', m: 0.3, h: 128, lr: 0.01 })).toBe(
      '{"lr":0.01,"h":128,"m":0.3,"opt":"sgd","mom":0.9}',
    );
    expect(s.key({ lr: 0.01, h: 128, m: 0.3, opt: 'adam', mom: 0.9 })).toBe(
      '{"lr":0.01,"h":128,"m":0.3,"opt":"adam"}',
    );
    expect(explainNonMember(s, good)).toBeUndefined();
  });
});

describe('steppedValues', () => {
  it('gives the exact decimals the space prints, the last value exactly high, and indices back', () => {
    const s = steppedValues('float', 0, 0.99, 0.11);
    expect(s.n).toBe(10);
    expect(s.valueAt(3)).toBe(0.33);
    expect(s.valueAt(9)).toBe(0.99);
    expect(s.indexOf(0.33)).toBe(3);
    const tenths = steppedValues('float', 0, 1, 0.1);
    expect(tenths.valueAt(3)).toBe(0.3);
    expect(tenths.indexOf(0.3)).toBe(3);
    expect(tenths.indexOf(0.1 * 3)).toBe(-1);
    const space = createSpace({ x: { type: 'float', low: 0, high: 0.99, step: 0.11 } });
    const values = space.enumerate().map((c) => c.x);
    expect(values).toEqual(Array.from({ length: s.n }, (_, k) => s.valueAt(k)));
    const ints = steppedValues('int', 64, 512, 64);
    expect([ints.n, ints.valueAt(2), ints.indexOf(512), ints.indexOf(100)]).toEqual([
      8, 192, 7, -1,
    ]);
  });
});
