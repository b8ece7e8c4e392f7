import { mulberry32 } from '@webtune/gp';
import { describe, expect, it } from 'vitest';
import { sobolIndices } from './sobol.js';

/** Ishigami: f = sin x1 + a sin² x2 + b x3⁴ sin x1 on [−π, π]³, a = 7, b = 0.1. */
const A = 7;
const B = 0.1;
function ishigami(points: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const [x1, x2, x3] = [points[3 * j]!, points[3 * j + 1]!, points[3 * j + 2]!];
    out[j] = Math.sin(x1) + A * Math.sin(x2) ** 2 + B * x3 ** 4 * Math.sin(x1);
  }
  return out;
}

/** The closed form (Ishigami & Homma 1990; Saltelli et al. 2008, §4.1). */
const pi4 = Math.PI ** 4;
const pi8 = Math.PI ** 8;
const V1 = 0.5 * (1 + (B * pi4) / 5) ** 2;
const V2 = A ** 2 / 8;
const V13 = (8 * B ** 2 * pi8) / 225;
const V = V1 + V2 + V13;
const S = [V1 / V, V2 / V, 0];
const ST = [(V1 + V13) / V, V2 / V, V13 / V];

function uniformCube(n: number, seed: number): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: 3 * n }, () => -Math.PI + 2 * Math.PI * r());
}

const singles = [0, 1, 2].map((i) => ({ start: i, size: 1 }));

describe('sobolIndices', () => {
  it('the closed form is the textbook one', () => {
    expect(S[0]).toBeCloseTo(0.3139, 4);
    expect(S[1]).toBeCloseTo(0.4424, 4);
    expect(ST[2]).toBeCloseTo(0.2437, 4);
  });

  // N = 2^14. Over 20 seeds the estimates scatter around the closed form with σ ≤ 0.007
  // (first-order) and σ ≤ 0.010 (total; ST1 the widest), no bias above 0.002, so 0.04 is about
  // 4σ; a wrong estimator (f(A) in place of f(B) in the first-order sum gives −ST_i; a missing ½
  // in Jansen's doubles ST_i) misses by 0.24 or more.
  it.each([1, 2, 3])('recovers the Ishigami first-order and total indices (seed %i)', (seed) => {
    const n = 2 ** 14;
    const r = sobolIndices(
      ishigami,
      uniformCube(n, seed),
      uniformCube(n, seed + 100),
      n,
      3,
      singles,
    );
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(r.first[i]! - S[i]!)).toBeLessThan(0.04);
      expect(Math.abs(r.total[i]! - ST[i]!)).toBeLessThan(0.04);
    }
    expect(r.variance / V).toBeGreaterThan(0.95);
    expect(r.variance / V).toBeLessThan(1.05);
    expect(Math.abs(r.mean - A / 2)).toBeLessThan(0.1);
  });

  it('gives exactly 0 to a variable f ignores, and swaps whole groups', () => {
    // f(x) = x0 + 2·(x1 + x2): group {1, 2} is one variable, dimension 3 is ignored.
    const f = (p: Float64Array, m: number) =>
      Float64Array.from({ length: m }, (_, j) => p[4 * j]! + 2 * (p[4 * j + 1]! + p[4 * j + 2]!));
    const r1 = mulberry32(5);
    const draw = () => Float64Array.from({ length: 4 * 4096 }, () => r1());
    const groups = [
      { start: 0, size: 1 },
      { start: 1, size: 2 },
      { start: 3, size: 1 },
    ];
    const r = sobolIndices(f, draw(), draw(), 4096, 4, groups);
    expect(r.first[2]).toBe(0);
    expect(r.total[2]).toBe(0);
    // Var = 1/12 + 4·2/12: shares 1/9 and 8/9, additive so first = total.
    expect(r.first[0]).toBeCloseTo(1 / 9, 1);
    expect(r.first[1]).toBeCloseTo(8 / 9, 1);
    expect(r.total[1]).toBeCloseTo(8 / 9, 1);
  });

  it('returns NaN indices for a constant f', () => {
    const r = sobolIndices(
      (_, m) => new Float64Array(m).fill(3),
      new Float64Array(8),
      new Float64Array(8),
      4,
      2,
      singles.slice(0, 2),
    );
    expect(r.variance).toBe(0);
    expect(Number.isNaN(r.first[0])).toBe(true);
  });

  it('rejects bad shapes before evaluating f', () => {
    let calls = 0;
    const f = (_: Float64Array, m: number) => {
      calls++;
      return new Float64Array(m);
    };
    const a = new Float64Array(12);
    expect(() => sobolIndices(f, a, new Float64Array(11), 4, 3, singles)).toThrow(
      'b has length 11, expected n·d = 12',
    );
    expect(() => sobolIndices(f, a, a, 4, 3, [{ start: 2, size: 2 }])).toThrow(
      'groups[0] ends at 4, past d = 3',
    );
    expect(() => sobolIndices(f, a, a, 1, 12, singles)).toThrow('n (1) must be an integer ≥ 2');
    expect(calls).toBe(0);
    expect(() => sobolIndices((_, m) => new Float64Array(m + 1), a, a, 4, 3, singles)).toThrow(
      'f returned 5 values for 4 points',
    );
  });
});
