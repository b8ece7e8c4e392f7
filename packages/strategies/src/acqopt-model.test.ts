import type { FrozenTrial } from '@webtune/core';
import { conditionGP, fitGP, mulberry32, posterior, standardize } from '@webtune/gp';
import { createSpace } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { createModelEncoding } from './acqopt.js';
import {
  believe,
  conditioned,
  type FitState,
  fitModel,
  fitSubset,
  localGP,
  readHistory,
  warpWithJacobian,
} from './acqopt-model.js';

describe('output warps', () => {
  const y = Float64Array.from([3, 0.5, 120, 7, 2, 45, 0.9]);
  const order = (a: ArrayLike<number>) => [...Array(a.length).keys()].sort((i, j) => a[i]! - a[j]!);

  it('log: ln(y − min + δ), δ = (median − min)/10, order kept, log-Jacobian −Σ ln(y − min + δ)', () => {
    const { y: w, logJacobian } = warpWithJacobian(y, 'log');
    const delta = (3 - 0.5) / 10;
    y.forEach((v, i) => {
      expect(w[i]).toBeCloseTo(Math.log(v - 0.5 + delta), 12);
    });
    expect(order(w)).toEqual(order(y));
    expect(logJacobian).toBeCloseTo(-w.reduce((s, v) => s + v, 0), 12);
  });

  it('tail: the better half unchanged, the rest compressed in order, log-Jacobian of the compressed part', () => {
    const { y: w, logJacobian } = warpWithJacobian(y, 'tail');
    expect(order(w)).toEqual(order(y));
    const med = 3;
    const s = med - 0.9; // median − 10th percentile (index round(0.1·6) = 1 of the sorted values)
    let jac = 0;
    y.forEach((v, i) => {
      if (v <= med) expect(w[i]).toBe(v);
      else {
        expect(w[i]).toBeCloseTo(med + s * Math.log1p((v - med) / s), 12);
        jac -= Math.log1p((v - med) / s);
      }
    });
    expect(logJacobian).toBeCloseTo(jac, 12);
    expect(w[2]!).toBeLessThan(20);
  });

  it('none is the identity', () => {
    expect(warpWithJacobian(y, 'none')).toEqual({ y, logJacobian: 0 });
  });
});

describe('kriging believer', () => {
  it('collapses the variance at a fantasised point and leaves the mean as it was', () => {
    const x = Float64Array.from([0.1, 0.4, 0.9, 0.6]);
    const yv = Float64Array.from([1, 0.2, 0.8, 0.1]);
    const gp = fitGP(x, yv, 4, { kernel: { kind: 'matern52', d: 1 }, fixedNoise: 1e-8 });
    const at = Float64Array.from([0.5]);
    const before = posterior(gp, at, 1);
    const next = believe(conditioned(gp, yv), [at]);
    const after = posterior(next.gp, at, 1);
    expect(next.gp.n).toBe(5);
    expect(after.mean[0]).toBeCloseTo(before.mean[0]!, 6);
    expect(after.variance[0]!).toBeLessThan(before.variance[0]! * 0.05);
    const far = posterior(next.gp, Float64Array.from([0.1]), 1);
    expect(far.mean[0]).toBeCloseTo(posterior(gp, Float64Array.from([0.1]), 1).mean[0]!, 4);
  });
});

describe('fitModel past incrementalFrom', () => {
  const space = createSpace({
    a: { type: 'float', low: 0, high: 1 },
    b: { type: 'float', low: 0, high: 1 },
  });
  const encoding = createModelEncoding(space, 'matern52');
  const f = (a: number, b: number) => Math.sin(6 * a) + (b - 0.3) ** 2;
  const random = mulberry32(7);
  const trial = (number: number, state: FrozenTrial['state'] = 'complete'): FrozenTrial => {
    const a = random();
    const b = random();
    return {
      number,
      params: { a, b },
      state,
      ...(state === 'complete' ? { value: f(a, b) } : {}),
      intermediate: [],
      userAttrs: {},
      startedAt: 0,
    };
  };
  const history = (trials: FrozenTrial[]) =>
    readHistory({ space, direction: 'minimize', trials, count: 1, seed: 0 }, encoding);
  const options = { incrementalFrom: 40, refitGrowth: 0.5, noise: 1e-6 } as const;

  it('appends new trials to the factor between refits, in any completion order, and conditions like a refactorisation', () => {
    const trials = Array.from({ length: 50 }, (_, i) =>
      trial(i, i === 47 ? 'running' : 'complete'),
    );
    const state: FitState = {};
    fitModel(history(trials), encoding, state, options, random);
    expect(state.lastFit).toBe('full');
    const factor = state.factor;
    // Trial 47 completes after 50 and 51: it is appended after the rows the factor has.
    trials[47] = { ...trials[47]!, state: 'complete', value: 0.5 };
    trials.push(trial(50), trial(51));
    const h = history(trials);
    const { gp, y } = fitModel(h, encoding, state, options, random);
    expect(state.lastFit).toBe('append');
    expect(state.factor).toBe(factor);
    expect(gp.n).toBe(52);
    expect(h.numbers.slice(-3)).toEqual([47, 50, 51]);
    expect(state.rows).toEqual(h.numbers);
    // Row i of the GP is entry i of the reordered history.
    for (let i = 0; i < h.n; i++) {
      expect(Array.from(gp.x.subarray(2 * i, 2 * i + 2))).toEqual(
        Array.from(h.x.subarray(2 * i, 2 * i + 2)),
      );
    }
    expect(h.y[h.order[0]!]).toBe(Math.min(...h.y));
    const { ys, mean, std } = standardize(y, 52);
    const ref = conditionGP(encoding.kernel, gp.params, h.x, 52, ys, mean, std);
    for (let i = 0; i < 52; i++) expect(gp.alpha[i]).toBeCloseTo(ref.alpha[i]!, 8);
    expect(state.surprise?.count).toBe(3);
  });

  it('refits once the study has grown by refitGrowth, and fully once it has doubled', () => {
    const trials = Array.from({ length: 41 }, (_, i) => trial(i));
    const state: FitState = {};
    const kinds: string[] = [];
    for (let n = 41; n <= 84; n++) {
      fitModel(history(trials), encoding, state, options, random);
      kinds.push(`${n}:${state.lastFit}`);
      trials.push(trial(n));
      // Keep the residual test quiet: only the schedule is under test here.
      delete state.surprise;
    }
    expect(kinds.filter((k) => !k.endsWith('append'))).toEqual(['41:full', '62:warm', '82:full']);
  });

  it('refits early when the appended trials surprise the model', () => {
    const trials = Array.from({ length: 41 }, (_, i) => trial(i));
    const state: FitState = {};
    fitModel(history(trials), encoding, state, options, random);
    const t = trial(41);
    trials.push({ ...t, value: 100 });
    fitModel(history(trials), encoding, state, options, random);
    expect(state.lastFit).toBe('append');
    expect(state.surprise!.sum).toBeGreaterThan(11);
    trials.push(trial(42));
    fitModel(history(trials), encoding, state, options, random);
    expect(state.lastFit).toBe('warm');
    expect(state.surprise).toBeUndefined();
  });

  it('fits on a subset past maxFitTrials: the best third and the most recent others', () => {
    const trials = Array.from({ length: 90 }, (_, i) => trial(i));
    const h = history(trials);
    const sub = fitSubset(h, 30, 2);
    expect(sub.t).toBe(30);
    const best = h.order.slice(0, 10);
    expect(new Set(sub.index).size).toBe(30);
    for (const i of best) expect(sub.index).toContain(i);
    const others = sub.index!.filter((i) => !best.includes(i)).map((i) => h.numbers[i]!);
    const newest = h.numbers
      .filter((_, i) => !best.includes(i))
      .sort((a, b) => b - a)
      .slice(0, 20);
    expect(others.sort((a, b) => a - b)).toEqual(newest.sort((a, b) => a - b));
    expect(Array.from(sub.x.subarray(0, 2))).toEqual(
      Array.from(h.x.subarray(sub.index![0]! * 2, sub.index![0]! * 2 + 2)),
    );
    expect(fitSubset(h, 90, 2).index).toBeUndefined();
  });
});

describe('localGP', () => {
  it('conditions on the q nearest trials: variance never below the full GP, mean close nearby', () => {
    const random = mulberry32(3);
    const n = 400;
    const x = Float64Array.from({ length: 2 * n }, () => random());
    const y = Float64Array.from({ length: n }, (_, i) => Math.sin(5 * x[2 * i]!) * x[2 * i + 1]!);
    const { ys, mean, std } = standardize(y, n);
    const params = { lengthscales: Float64Array.from([0.3, 0.5]), outputScale: 1, noise: 1e-6 };
    const gp = conditionGP({ kind: 'matern52', d: 2 }, params, x, n, ys, mean, std);
    const c = conditioned(gp, y);
    const at = Float64Array.from([0.4, 0.6]);
    const local = localGP(c, at, 64);
    expect(local.n).toBe(64);
    const near = Float64Array.from([0.4, 0.6, 0.41, 0.62, 0.38, 0.59]);
    const full = posterior(gp, near, 3);
    const part = posterior(local, near, 3);
    for (let i = 0; i < 3; i++) {
      expect(part.variance[i]!).toBeGreaterThanOrEqual(full.variance[i]! * (1 - 1e-9));
      expect(Math.abs(part.mean[i]! - full.mean[i]!)).toBeLessThan(1e-3);
    }
    expect(localGP(c, at, n)).toBe(gp);
  });
});
