import { describe, expect, it } from 'vitest';
import { bestSoFar, firstHit, logRegret, quantile, summarize } from './stats.js';

describe('benchmark statistics', () => {
  it('floors log10 regret at −12 and handles a best below f* by rounding', () => {
    expect(logRegret(1.5, 0.5)).toBe(0);
    expect(logRegret(0.5 + 1e-3, 0.5)).toBeCloseTo(-3, 6);
    expect(logRegret(0.5, 0.5)).toBe(-12);
    expect(logRegret(0.5 - 1e-16, 0.5)).toBe(-12);
  });

  it('tracks the best so far, skipping failed evaluations', () => {
    expect(bestSoFar([3, Number.NaN, 5, 1, 2])).toEqual([3, 3, 3, 1, 1]);
  });

  it('interpolates quantiles linearly between order statistics, as numpy does', () => {
    const v = [7, 1, 3, 5];
    expect(quantile(v, 0.5)).toBe(4);
    expect(quantile(v, 0.25)).toBe(2.5);
    expect(quantile(v, 0.75)).toBe(5.5);
    expect(summarize([2, 9, 4])).toEqual({ median: 4, q1: 3, q3: 6.5 });
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('finds the first evaluation that hit the optimum (1-based)', () => {
    expect(firstHit([0.3, 0.2, 0.1, 0.1], 0.1)).toBe(3);
    expect(firstHit([0.3, 0.2], 0.1)).toBeUndefined();
  });
});
