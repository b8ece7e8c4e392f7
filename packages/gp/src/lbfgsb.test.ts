import { describe, expect, it } from 'vitest';
import { minimizeBounded } from './lbfgsb.js';

// Rosenbrock in k dimensions, minimum 0 at (1, …, 1).
function rosenbrock(x: Float64Array, g: Float64Array): number {
  let f = 0;
  g.fill(0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    f += 100 * a * a + b * b;
    g[i] = g[i]! - 400 * x[i]! * a - 2 * b;
    g[i + 1] = g[i + 1]! + 200 * a;
  }
  return f;
}

describe('minimizeBounded', () => {
  it('finds the unconstrained Rosenbrock minimum inside a loose box', () => {
    const r = minimizeBounded(rosenbrock, Float64Array.from([-1.2, 1, -0.5, 0.8]), {
      lower: new Float64Array(4).fill(-5),
      upper: new Float64Array(4).fill(5),
      pgtol: 1e-8,
      ftol: 0,
      maxIterations: 500,
    });
    expect(r.converged).toBe(true);
    for (const v of r.x) expect(v).toBeCloseTo(1, 5);
    expect(r.f).toBeLessThan(1e-10);
  });

  it('stops on an active bound with the KKT conditions met', () => {
    // min (x0 − 3)² + (x1 + 2)² on [0, 1]²: solution (1, 0).
    const f = (x: Float64Array, g: Float64Array) => {
      g[0] = 2 * (x[0]! - 3);
      g[1] = 2 * (x[1]! + 2);
      return (x[0]! - 3) ** 2 + (x[1]! + 2) ** 2;
    };
    const r = minimizeBounded(f, Float64Array.from([0.5, 0.5]), {
      lower: new Float64Array(2),
      upper: new Float64Array(2).fill(1),
    });
    expect(Array.from(r.x)).toEqual([1, 0]);
    expect(r.converged).toBe(true);
  });

  it('backs off from infeasible (non-finite) regions and never leaves the box', () => {
    // f is +∞ for x0 > 0.5; minimum of (x0 − 2)² on the feasible part is at 0.5.
    const seen: number[] = [];
    const f = (x: Float64Array, g: Float64Array) => {
      seen.push(x[0]!);
      if (x[0]! > 0.5) return Number.POSITIVE_INFINITY;
      g[0] = 2 * (x[0]! - 2);
      return (x[0]! - 2) ** 2;
    };
    const r = minimizeBounded(f, Float64Array.of(0), {
      lower: Float64Array.of(-1),
      upper: Float64Array.of(10),
      maxIterations: 60,
    });
    expect(r.x[0]).toBeGreaterThan(0.45);
    expect(r.x[0]).toBeLessThanOrEqual(0.5);
    for (const v of seen) expect(v).toBeLessThanOrEqual(10);
  });

  it('validates bounds', () => {
    const f = () => 0;
    expect(() =>
      minimizeBounded(f, Float64Array.of(0), {
        lower: Float64Array.of(1),
        upper: Float64Array.of(0),
      }),
    ).toThrow(/lower\[0\] > upper\[0\]/);
  });
  it('keeps the stored curvature pair when a new pair is rejected (sᵀy ≤ 0)', () => {
    // f′(x) = −1 + ¼(1 − cos πx): f′(0) = −1, f′(1) = −½, f′(2) = −1. From 0: step to 1, store
    // (s, y) = (1, ½); the secant step goes to 2, whose pair (1, −½) is rejected. The next trial
    // must use the stored pair again: x = 2 − f′(2)·s/y = 4.
    const seen: number[] = [];
    minimizeBounded(
      (x, g) => {
        const t = x[0]!;
        seen.push(t);
        g[0] = -1 + 0.25 * (1 - Math.cos(Math.PI * t));
        return -0.75 * t - (0.25 * Math.sin(Math.PI * t)) / Math.PI;
      },
      Float64Array.of(0),
      {
        lower: Float64Array.of(-10),
        upper: Float64Array.of(10),
        memory: 1,
        maxStep: 10,
        maxIterations: 3,
      },
    );
    expect(seen.slice(0, 4)).toEqual([0, 1, 2, 4]);
  });
});
