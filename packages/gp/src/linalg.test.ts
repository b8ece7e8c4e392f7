import { describe, expect, it } from 'vitest';
import { kernelMatrix } from './kernel.js';
import {
  cholesky,
  choleskySolve,
  inverseFromCholesky,
  logDetFromCholesky,
  packLower,
  solveLower,
  solveLowerTransposed,
  solveUpper,
  unpackLower,
} from './linalg.js';
import { seeded, uniform } from './testUtil.js';

function randomSpd(n: number, random: () => number): Float64Array {
  const b = uniform(n * n, random);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = s;
    }
  }
  return a;
}

const matVec = (a: Float64Array, n: number, x: Float64Array) =>
  Float64Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k]! * x[k]!;
    return s;
  });

describe('cholesky', () => {
  it('reconstructs a known 2×2 factor exactly', () => {
    // [[4, 2], [2, 5]] = L Lᵀ with L = [[2, 0], [1, 2]].
    const { l, jitter } = cholesky(Float64Array.from([4, 2, 5]), 2);
    expect(Array.from(l)).toEqual([2, 1, 2]);
    expect(jitter).toBe(0);
  });

  it('L Lᵀ = A for a random SPD matrix, and the solves invert it', () => {
    const random = seeded(4);
    for (const n of [1, 3, 17, 40]) {
      const a = randomSpd(n, random);
      const { l: packed, jitter } = cholesky(packLower(a, n), n);
      const l = unpackLower(packed, n);
      expect(jitter).toBe(0);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += l[i * n + k]! * l[j * n + k]!;
          expect(s).toBeCloseTo(a[i * n + j]!, 9);
          if (j > i) expect(l[i * n + j]).toBe(0);
        }
      }
      const b = uniform(n, random);
      const x = choleskySolve(packed, n, b);
      const ax = matVec(a, n, x);
      for (let i = 0; i < n; i++) expect(ax[i]).toBeCloseTo(b[i]!, 9);
      // L y = b and Lᵀ z = b individually; solveUpper on the explicit transpose agrees.
      const y = solveLower(packed, n, b);
      const ly = matVec(l, n, y);
      for (let i = 0; i < n; i++) expect(ly[i]).toBeCloseTo(b[i]!, 10);
      const lt = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lt[i * n + j] = l[j * n + i]!;
      const z = solveLowerTransposed(packed, n, b);
      const zu = solveUpper(lt, n, b);
      const ltz = matVec(lt, n, z);
      for (let i = 0; i < n; i++) {
        expect(ltz[i]).toBeCloseTo(b[i]!, 10);
        expect(zu[i]).toBeCloseTo(z[i]!, 12);
      }
      // Inverse and log-determinant.
      const inv = unpackLower(inverseFromCholesky(packed, n), n, true);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k]! * inv[k * n + j]!;
          expect(s).toBeCloseTo(i === j ? 1 : 0, 9);
        }
      }
      let logDet = 0;
      for (let i = 0; i < n; i++) logDet += 2 * Math.log(l[i * n + i]!);
      expect(logDetFromCholesky(packed, n)).toBeCloseTo(logDet, 12);
    }
  });

  it('adds jitter for a singular matrix (duplicate points) and says how much', () => {
    const x = Float64Array.from([0.2, 0.7, 0.2, 0.7, 0.9, 0.1]);
    const k = kernelMatrix(
      { kind: 'rbf', d: 2 },
      { lengthscales: Float64Array.from([0.5, 0.5]), outputScale: 1, noise: 0 },
      x,
      3,
    );
    const { l, jitter } = cholesky(packLower(k, 3), 3);
    expect(jitter).toBeGreaterThan(0);
    expect(jitter).toBeLessThanOrEqual(1e-2);
    for (const v of l) expect(Number.isFinite(v)).toBe(true);
    // The factor is of K + jitter·I.
    expect(l[0]! * l[0]!).toBeCloseTo(1 + jitter, 14);
  });

  it('throws a clear error when even the largest jitter fails', () => {
    expect(() => cholesky(Float64Array.from([1, 2, 1]), 2)).toThrow(
      /not positive definite even with jitter 0.01× the mean diagonal/,
    );
    expect(() => cholesky(new Float64Array(2), 2)).toThrow(
      /a has length 2, needs n\(n\+1\)\/2 = 3 \(packed lower triangle\)/,
    );
  });
});

describe('packed storage', () => {
  it('packLower and unpackLower round-trip the lower triangle (row i at i(i+1)/2)', () => {
    const a = Float64Array.from([1, 9, 9, 2, 3, 9, 4, 5, 6]);
    const p = packLower(a, 3);
    expect(Array.from(p)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(unpackLower(p, 3))).toEqual([1, 0, 0, 2, 3, 0, 4, 5, 6]);
    expect(Array.from(unpackLower(p, 3, true))).toEqual([1, 2, 4, 2, 3, 5, 4, 5, 6]);
  });
});
