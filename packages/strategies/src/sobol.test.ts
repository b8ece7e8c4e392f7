import { describe, expect, it } from 'vitest';
import { createSobol } from './sobol.js';

const TWO32 = 2 ** 32;

// Reference values from scipy 1.17.1: qmc.Sobol(d, scramble=False, bits=32), as integers x·2^32.
// scipy's row r is our point r − 1 (we skip the origin when unscrambled).
const DIMS = [0, 1, 2, 3, 9, 63, 64, 511, 1023];
const SCIPY_1024: Record<number, number[]> = {
  1: [
    2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648, 2147483648,
    2147483648,
  ],
  2: [
    3221225472, 1073741824, 1073741824, 1073741824, 3221225472, 3221225472, 3221225472, 3221225472,
    3221225472,
  ],
  8: [
    805306368, 1342177280, 4026531840, 1879048192, 1342177280, 2952790016, 2415919104, 805306368,
    268435456,
  ],
  31: [
    134217728, 2281701376, 3892314112, 4160749568, 2550136832, 3355443200, 2818572288, 3355443200,
    1476395008,
  ],
  4095: [
    1048576, 4042260480, 1435500544, 3872391168, 1058013184, 2377121792, 558891008, 3929014272,
    1523580928,
  ],
  4096: [
    1572864, 2021130240, 3589799936, 2664955904, 4272422912, 1914175488, 2947022848, 1857552384,
    2837970944,
  ],
};
const SCIPY_8_AT_2_20_MINUS_1 = [
  [4096, 4026593280, 3314585600, 1977167872, 3719483392, 3405787136, 1416089600, 3816001536],
  [6144, 2013296640, 2918742016, 3579623424, 2779838464, 3816880128, 3391031296, 368285696],
];

describe('createSobol, unscrambled', () => {
  it('matches the Joe & Kuo sequence as scipy generates it, in 1024 dimensions', () => {
    const dims = 1024;
    const points = createSobol(dims, { scramble: false }).nextBatch(4096);
    for (const [row, expected] of Object.entries(SCIPY_1024)) {
      const r = Number(row) - 1;
      const got = DIMS.map((d) => points[r * dims + d]! * TWO32);
      expect(got, `row ${row}`).toEqual(expected);
    }
  });

  it('uses all 32 direction numbers correctly (points 2^20 − 1 and 2^20 in 8 dimensions)', () => {
    const sobol = createSobol(8, { scramble: false });
    sobol.nextBatch(2 ** 20 - 2);
    const got = [sobol.next(), sobol.next()].map((p) => Array.from(p, (x) => x * TWO32));
    expect(got).toEqual(SCIPY_8_AT_2_20_MINUS_1);
    expect(sobol.index).toBe(2 ** 20 + 1);
  });
});

describe('createSobol, scrambled', () => {
  it('keeps the net property: 256 points put one point in each of 256 slices of every axis', () => {
    const dims = 1024;
    const points = createSobol(dims, { seed: 7 }).nextBatch(256);
    for (let d = 0; d < dims; d++) {
      const cells = new Set<number>();
      for (let i = 0; i < 256; i++) cells.add(Math.floor(points[i * dims + d]! * 256));
      expect(cells.size, `dimension ${d}`).toBe(256);
    }
  });

  it('keeps the 2-D net of the first two dimensions: one point in each cell of a 16×16 grid', () => {
    for (const seed of [0, 1, 123456789]) {
      const points = createSobol(2, { seed }).nextBatch(256);
      const cells = new Set<number>();
      for (let i = 0; i < 256; i++) {
        cells.add(Math.floor(points[2 * i]! * 16) * 16 + Math.floor(points[2 * i + 1]! * 16));
      }
      expect(cells.size).toBe(256);
    }
  });

  it('is deterministic in the seed, differs across seeds, and stays in [0, 1)', () => {
    const a = createSobol(5, { seed: 42 }).nextBatch(100);
    const b = createSobol(5, { seed: 42 }).nextBatch(100);
    const c = createSobol(5, { seed: 43 }).nextBatch(100);
    const big = createSobol(5, { seed: 42 + 2 ** 32 }).nextBatch(100);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
    expect(Array.from(a)).not.toEqual(Array.from(big));
    for (const x of a) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    // The scrambled first point is not the origin.
    expect(Array.from(a.subarray(0, 5)).some((x) => x > 0)).toBe(true);
  });

  it('is a randomisation of the sequence: the mean over seeds of a coordinate is near 1/2', () => {
    let sum = 0;
    for (let seed = 0; seed < 400; seed++) sum += createSobol(3, { seed }).next()[2]!;
    // Each first point is uniform on [0,1): the mean of 400 has standard deviation 0.0144.
    expect(Math.abs(sum / 400 - 0.5)).toBeLessThan(0.06);
  });

  it('gives the same points through next() and nextBatch()', () => {
    const one = createSobol(3, { seed: 9 });
    const rows = [one.next(), one.next(), one.next()];
    const batch = createSobol(3, { seed: 9 }).nextBatch(3);
    expect(Array.from(batch)).toEqual(rows.flatMap((r) => Array.from(r)));
  });
});

describe('createSobol, bad input', () => {
  it('names the bad value', () => {
    expect(() => createSobol(0)).toThrow('sobol: dims (0) must be an integer in [1, 1024]');
    expect(() => createSobol(1025)).toThrow('dims (1025)');
    expect(() => createSobol(2.5)).toThrow('dims (2.5)');
    expect(() => createSobol(2, { seed: Number.NaN })).toThrow('seed (NaN)');
    expect(() => createSobol(2).nextBatch(-1)).toThrow('count (-1)');
  });
});
