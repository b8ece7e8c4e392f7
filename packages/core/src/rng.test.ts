import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

const first3 = (seed: number) => {
  const r = createRng(seed);
  return [r.random(), r.random(), r.random()];
};

describe('createRng', () => {
  it('reproduces the recorded first values (a change of algorithm must show up here)', () => {
    expect(first3(0)).toEqual([0.606639401480066, 0.5726724002693698, 0.01245902629101725]);
    expect(first3(42)).toEqual([0.005708384613592354, 0.0973915062684999, 0.6850060399021046]);
    expect(first3(2 ** 40 + 5)).toEqual([
      0.6526452360861111, 0.338855369460185, 0.8006293881157418,
    ]);
    expect(first3(-1)).toEqual([0.9711939588225468, 0.44296075742148255, 0.8917509088234165]);
    const r = createRng(0);
    expect(Array.from({ length: 8 }, () => r.int(1000))).toEqual([
      45, 132, 507, 627, 431, 361, 820, 521,
    ]);
    const f = createRng(7).fork('random');
    expect([f.random(), f.random()]).toEqual([0.43690911917387343, 0.9252854268886481]);
  });

  it('same seed → same sequence; nearby seeds and the high 32 bits give different ones', () => {
    const a = createRng(123);
    const b = createRng(123);
    const seqA = Array.from({ length: 100 }, () => a.random());
    expect(Array.from({ length: 100 }, () => b.random())).toEqual(seqA);
    expect(first3(124)).not.toEqual(first3(123));
    expect(first3(2 ** 32 + 123)).not.toEqual(first3(123));
  });

  it('random() is in [0, 1) and roughly uniform', () => {
    const r = createRng(5);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) {
      const x = r.random();
      expect(x >= 0 && x < 1).toBe(true);
      bins[Math.floor(x * 10)]++;
    }
    for (const b of bins) expect(Math.abs(b - 2000)).toBeLessThan(200);
  });

  it('int(n) covers [0, n) evenly, also above 2^32', () => {
    const r = createRng(9);
    const counts = new Array(7).fill(0);
    for (let i = 0; i < 14000; i++) counts[r.int(7)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
    const big = r.int(2 ** 50);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 50).toBe(true);
    expect(() => r.int(0)).toThrow('rng.int: n (0) must be a positive safe integer');
    expect(() => r.int(2.5)).toThrow('rng.int: n (2.5) must be a positive safe integer');
  });

  it('normal() has mean ≈ 0 and variance ≈ 1', () => {
    const r = createRng(11);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('shuffle permutes in place, deterministically', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const a = createRng(1).shuffle([...xs]);
    expect(createRng(1).shuffle([...xs])).toEqual(a);
    expect(a).not.toEqual(xs);
    expect([...a].sort((p, q) => p - q)).toEqual(xs);
    const same = [...xs];
    expect(createRng(1).shuffle(same)).toBe(same);
  });

  it('fork depends on the seed and label only, not on draws', () => {
    const a = createRng(3);
    const before = a.fork('random').random();
    a.random();
    a.random();
    expect(a.fork('random').random()).toBe(before);
    expect(createRng(3).fork('sobol').random()).not.toBe(before);
    expect(createRng(4).fork('random').random()).not.toBe(before);
    expect(createRng(3).fork(1).random()).not.toBe(createRng(3).fork('1').random());
    expect(createRng(3).fork('a').fork('b').random()).not.toBe(createRng(3).fork('b').random());
    // a child stream is not the parent stream
    expect(createRng(3).fork('x').random()).not.toBe(createRng(3).random());
  });

  it('rejects seeds that are not safe integers', () => {
    expect(() => createRng(0.5)).toThrow('createRng: seed (0.5) must be a safe integer');
    expect(() => createRng(Number.NaN)).toThrow('createRng: seed (NaN) must be a safe integer');
    expect(() => createRng(2 ** 60)).toThrow('must be a safe integer');
  });
});
