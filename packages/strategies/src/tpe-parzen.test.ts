import { createRng } from '@webtune/core';
import { describe, expect, it } from 'vitest';
import { logErfc, logGaussMass, logNdtr, logSumExp } from './tpe-math.js';
import { defaultWeights, ParzenEstimator, type ParzenOptions, tpeDim } from './tpe-parzen.js';

const UNIVARIATE: ParzenOptions = {
  priorWeight: 1,
  multivariate: false,
  considerEndpoints: false,
  bandwidth: 'optuna3',
};

function expectClose(got: readonly number[], want: readonly number[]): void {
  expect(got).toHaveLength(want.length);
  want.forEach((w, i) => {
    expect(got[i], `index ${i}`).toBeCloseTo(w, 12);
  });
}

/** Composite Simpson's rule of f over [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 2000): number {
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

describe('tpe math', () => {
  // Reference values: scipy.special.log_ndtr and log(erfc) (scipy 1.17).
  it('computes log Φ and log erfc in the tails and the middle', () => {
    expect(logNdtr(0)).toBeCloseTo(Math.log(0.5), 15);
    expect(logNdtr(0.3)).toBeCloseTo(-0.4814101615884813, 13);
    expect(logNdtr(3)).toBeCloseTo(-0.0013508099647481925, 14);
    expect(logNdtr(-5) / -15.064998393988727).toBeCloseTo(1, 12);
    expect(logNdtr(-40) / -804.6084420137539).toBeCloseTo(1, 12);
    expect(logErfc(0.7)).toBeCloseTo(-1.132586513514341, 13);
    expect(logErfc(-1.2)).toBeCloseTo(0.6472676150562197, 13);
    expect(logErfc(2.4) / -7.280975056055788).toBeCloseTo(1, 12);
    expect(logErfc(3) / -10.720363041981113).toBeCloseTo(1, 12);
    expect(logErfc(10) / -102.87988902484489).toBeCloseTo(1, 12);
  });

  it('keeps the mass of a narrow interval far in a tail', () => {
    expect(logGaussMass(30, 31) / -454.3212439563433).toBeCloseTo(1, 11);
    expect(logGaussMass(-31, -30)).toBeCloseTo(logGaussMass(30, 31), 9);
    expect(logGaussMass(-0.5, 0.5)).toBeCloseTo(Math.log(0.38292492254802624), 13);
    expect(logSumExp([-1000, -1000])).toBeCloseTo(-1000 + Math.log(2), 12);
    expect(logSumExp([Number.NEGATIVE_INFINITY])).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('Parzen estimator', () => {
  it('is the prior alone without observations: one truncated Gaussian, normalised over its bounds', () => {
    const dim = tpeDim('x', { type: 'float', low: 0, high: 2 })!;
    const pe = new ParzenEstimator([dim], [], [], UNIVARIATE);
    expect(pe.components).toBe(1);
    // N(1, 2²) truncated to [0, 2] (scipy.stats.truncnorm.logpdf).
    const [at1, at01] = pe.logPdf([[1], [0.1]]);
    expect(at1).toBeCloseTo(-0.6521693800689957, 12);
    expect(at01).toBeCloseTo(-0.7534193800689958, 12);
    const integral = simpson((x) => Math.exp(pe.logPdf([[x]])[0]!), 0, 2);
    expect(integral).toBeCloseTo(1, 9);
  });

  it('places observation kernels by the neighbour rule with the magic clip', () => {
    // Sorted [0 | 2, 3, 5(prior) | 10]: σ = 1 (endpoint rule), 2; clipped up to 10/min(100, 4) = 2.5.
    const dim = tpeDim('x', { type: 'float', low: 0, high: 10 })!;
    const pe = new ParzenEstimator([dim], [[2], [3]], [1, 1], UNIVARIATE);
    // log((tn(2.5; 2, 2.5) + tn(2.5; 3, 2.5) + tn(2.5; 5, 10)) / 3) with scipy's truncnorm on [0, 10].
    expect(pe.logPdf([[2.5]])[0]).toBeCloseTo(-1.8390998860055443, 12);
    expect(simpson((x) => Math.exp(pe.logPdf([[x]])[0]!), 0, 10)).toBeCloseTo(1, 9);
  });

  it('leaves the prior mean out of the neighbours with the default (Optuna ≥ 4) rule', () => {
    // Observations 1, 2, 4, 8, 9 on [0, 10]; magic clip floor 10/7.
    // 'neighbours': σ = 10/7, 2, 4, 4, 10/7; 'optuna3' (prior mean 5 among them): σ = 10/7, 2, 2, 3, 10/7.
    const dim = tpeDim('x', { type: 'float', low: 0, high: 10 })!;
    const obs = [[1], [2], [4], [8], [9]];
    const w = [1, 1, 1, 1, 1];
    const nb = new ParzenEstimator([dim], obs, w, { ...UNIVARIATE, bandwidth: 'neighbours' });
    const o3 = new ParzenEstimator([dim], obs, w, UNIVARIATE);
    const [at5, at05] = nb.logPdf([[5], [0.5]]);
    expect(at5).toBeCloseTo(-2.628401906716759, 12);
    expect(at05).toBeCloseTo(-2.1021521953237734, 12);
    expect(o3.logPdf([[5]])[0]).toBeCloseTo(-2.5161662469264754, 12);
    // Multivariate uses the same per-parameter rule unless 'optuna3' asks for the Scott-like one.
    const mv = new ParzenEstimator([dim], obs, w, {
      ...UNIVARIATE,
      multivariate: true,
      bandwidth: 'neighbours',
    });
    expect(mv.logPdf([[5]])[0]).toBeCloseTo(at5!, 14);
    expect(simpson((x) => Math.exp(nb.logPdf([[x]])[0]!), 0, 10)).toBeCloseTo(1, 9);
  });

  it('matches a NumPy/SciPy transcription of Optuna 3.x on 28 observations (ramped weights)', () => {
    const mus = [
      -4.9, 9.8, 0.1, 0.3, 2.2, 7.7, 7.71, -1, 3.3, 5.5, 6.1, 1.0, 1.1, 1.2, 8.0, -3, 4.4, 2.5, 2.6,
      2.7, 9.0, -2.2, 0.5, 0.6, 0.7, 0.8, 3.9, 4.0,
    ];
    const dim = tpeDim('x', { type: 'float', low: -5, high: 10 })!;
    const pe = new ParzenEstimator(
      [dim],
      mus.map((m) => [m]),
      defaultWeights(mus.length),
      UNIVARIATE,
    );
    const expected = [
      -4.741768351089065, -2.13212169451288, -2.176158646398817, -2.6497296796040697,
      -3.3874688189725224,
    ];
    const got = pe.logPdf([[-5], [0], [2.35], [7.705], [10]]);
    expected.forEach((e, i) => {
      expect(got[i]).toBeCloseTo(e, 12);
    });
  });

  it('scores as Optuna 3.1.0’s _ParzenEstimator.log_pdf with widthWeighted (no −log σ)', () => {
    // Reference: optuna 3.1.0 (Debian bookworm's python3-optuna, numpy 1.24.2), default
    // parameters, univariate; log_pdf at the points below.
    const optuna31: ParzenOptions = { ...UNIVARIATE, widthWeighted: true };
    const mus = [-4.9, 9.8, 0.1, 0.3, 2.2, 7.7, 7.71, -1, 3.3, 5.5, 6.1, 1.0, 1.1, 1.2, 8.0, -3];
    const x = tpeDim('x', { type: 'float', low: -5, high: 10 })!;
    const points = [-5, 0, 2.35, 7.705, 10, 4.9].map((v) => [v]);
    const expected: Record<number, number[]> = {
      3: [
        -0.6445590741926066, -0.5401333195850337, -0.5800261158875308, -0.7193336425375836,
        -0.7921264350801964, -0.6441490038735626,
      ],
      10: [
        -1.7102432387660358, -1.3041749671568248, -1.382596637701028, -1.4011047446953324,
        -1.5889311742958507, -1.47322131001683,
      ],
    };
    for (const [n, want] of Object.entries(expected)) {
      const obs = mus.slice(0, Number(n)).map((m) => [m]);
      const pe = new ParzenEstimator([x], obs, defaultWeights(obs.length), optuna31);
      expectClose(Array.from(pe.logPdf(points)), want);
    }
    // Log int on [1, 1024] (continuous in log space), observations 3, 700, 40; read at 1, 2, 3, 50, 1024.
    const k = tpeDim('k', { type: 'int', low: 1, high: 1024, log: true })!;
    const logInt = new ParzenEstimator(
      [k],
      [3, 700, 40].map((v) => [Math.log(v)]),
      [1, 1, 1],
      optuna31,
    );
    expectClose(
      Array.from(logInt.logPdf([1, 2, 3, 50, 1024].map((v) => [Math.log(v)]))),
      [
        -0.8849240397087217, -0.7722171208067887, -0.7212729369306121, -0.6017222930357404,
        -0.739506546181022,
      ],
    );
    // Int 0…10 step 2 (a mass per value: no σ to drop), observations 0, 4, 10; read at 0, 2, 4, 10.
    const n = tpeDim('n', { type: 'int', low: 0, high: 10, step: 2 })!;
    const ints = new ParzenEstimator([n], [[0], [2], [5]], [1, 1, 1], optuna31);
    expectClose(
      Array.from(ints.logPdf([[0], [1], [2], [5]])),
      [-1.7852760925264222, -1.6805868464850349, -1.6809558850334503, -2.0179068602928756],
    );
    // With the prior alone, the σ-free score exceeds the density by log σ = log 15 everywhere.
    const prior = (options: ParzenOptions) => new ParzenEstimator([x], [], [], options);
    expect(prior(optuna31).logPdf([[1]])[0]! - prior(UNIVARIATE).logPdf([[1]])[0]!).toBeCloseTo(
      Math.log(15),
      12,
    );
  });

  it('gives discrete parameters the Gaussian mass of each value’s cell, summing to 1', () => {
    const dim = tpeDim('n', { type: 'int', low: 0, high: 4 })!;
    const prior = new ParzenEstimator([dim], [], [], UNIVARIATE);
    // Cell [1.5, 2.5] of N(2, 5²) over [−0.5, 4.5]: (Φ(0.1) − Φ(−0.1)) / (Φ(0.5) − Φ(−0.5)).
    expect(prior.logPdf([[2]])[0]).toBeCloseTo(-1.570125667851616, 12);
    for (const json of [
      { type: 'int', low: 0, high: 4 },
      { type: 'float', low: 0, high: 1, step: 0.125 },
      { type: 'int', low: 0, high: 100, step: 10 },
    ] as const) {
      const d = tpeDim('p', json)!;
      const n = d.kind === 'numeric' ? d.n! : 0;
      const obs = [[0], [Math.floor(n / 3)], [n - 1]];
      for (const options of [UNIVARIATE, { ...UNIVARIATE, multivariate: true }]) {
        const pe = new ParzenEstimator([d], obs, [1, 1, 1], options);
        const all = Array.from({ length: n }, (_, k) => [k]);
        expect(Math.exp(logSumExp(pe.logPdf(all))), JSON.stringify(json)).toBeCloseTo(1, 10);
      }
    }
  });

  it('sets Optuna 3.1 bandwidths: sorted mus with the prior mean, larger gap, magic clip', () => {
    // [0 | 1, 2, 4, 5 (prior), 8, 9 | 10]: larger gaps 1, 2, 2, 3, 3, 1; the outermost kernels use
    // their inner gap (1, 1); clip to [10/min(100, 1 + 6), 10]; the prior gets the range.
    const dim = tpeDim('x', { type: 'float', low: 0, high: 10 })!;
    const sigmas = (obs: number[], options = UNIVARIATE) =>
      Array.from(
        new ParzenEstimator(
          [dim],
          obs.map((x) => [x]),
          defaultWeights(obs.length),
          options,
        ).kernels(0)!.sigmas,
      );
    expectClose(sigmas([1, 2, 4, 8, 9]), [10 / 7, 2, 2, 3, 10 / 7, 10]);
    // The trial order of the observations does not matter, only their sorted positions.
    expectClose(sigmas([9, 4, 1, 8, 2]), [10 / 7, 2, 10 / 7, 3, 2, 10]);
    // [0 | 3, 4, 5 (prior), 8 | 10], floor 10/5: the outermost kernels take their inner gap (1 → 2,
    // 3) or, with consider_endpoints, also the gap to the bound (3, 3).
    expectClose(sigmas([3, 4, 8]), [2, 2, 3, 10]);
    expectClose(sigmas([3, 4, 8], { ...UNIVARIATE, considerEndpoints: true }), [3, 2, 3, 10]);
    // One observation: [0 | 1, 5 | 10] has four entries, so the endpoint rule applies: σ = 5 − 1.
    expectClose(sigmas([1]), [4, 10]);
    // The prior alone.
    expectClose(sigmas([]), [10]);
    // Gaps of 0.05 among 200 observations clip to range / 100.
    const dense = Array.from({ length: 200 }, (_, i) => 0.025 + 0.05 * i);
    expect(sigmas(dense).slice(0, 200)).toEqual(new Array(200).fill(0.1));
    // The ≥ 4 rule ('neighbours') leaves the prior mean out: [0 | 1, 2, 4, 8, 9 | 10].
    expectClose(sigmas([1, 2, 4, 8, 9], { ...UNIVARIATE, bandwidth: 'neighbours' }), [
      10 / 7,
      2,
      4,
      4,
      10 / 7,
      10,
    ]);
  });

  it('widens int and stepped ranges by half a step and gives log ints a continuous kernel', () => {
    const ints = tpeDim('n', { type: 'int', low: 0, high: 10, step: 2 })!;
    expect(ints.kind === 'numeric' && [ints.a, ints.b, ints.n]).toEqual([-1, 11, 6]);
    const logInt = tpeDim('k', { type: 'int', low: 1, high: 1024, log: true })!;
    if (logInt.kind !== 'numeric') throw new Error('numeric');
    expect([logInt.a, logInt.b, logInt.n]).toEqual([Math.log(0.5), Math.log(1024.5), undefined]);
    // Prior alone: N(μ, σ) with μ the midpoint and σ = b − a, truncated to [a, b] (mass
    // Φ(½) − Φ(−½)), its density read at log 2.
    const mu = (logInt.a + logInt.b) / 2;
    const sigma = logInt.b - logInt.a;
    const z = (Math.log(2) - mu) / sigma;
    const expected =
      -0.5 * z * z - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI) - Math.log(0.38292492254802624);
    const prior = new ParzenEstimator([logInt], [], [], UNIVARIATE);
    expect(prior.logPdf([[Math.log(2)]])[0]).toBeCloseTo(expected, 12);
    // Draws are logs of integers in [1, 1024], decoded by rounding.
    const pe = new ParzenEstimator([logInt], [[Math.log(3)], [Math.log(700)]], [1, 1], UNIVARIATE);
    for (const [x] of pe.sample(createRng(5), 200)) {
      const v = logInt.value(x!);
      expect(Number.isInteger(v) && v >= 1 && v <= 1024).toBe(true);
      expect(x).toBeCloseTo(Math.log(v), 14);
      expect(logInt.parse(v)).toBe(x);
    }
    expect(logInt.parse(2.5)).toBeUndefined();
  });

  it('weights categorical choices by observation plus the prior', () => {
    const dim = tpeDim('c', { type: 'categorical', choices: ['a', 'b', 'c'] })!;
    const pe = new ParzenEstimator([dim], [[0], [0], [2]], [1, 1, 1], UNIVARIATE);
    // Four components of weight 1/4; observation rows (1 + 1/4, 1/4, 1/4)/1.75, prior row uniform.
    expect(pe.logPdf([[0]])[0]).toBeCloseTo(-0.7419373447293773, 12);
    expect(Math.exp(logSumExp(pe.logPdf([[0], [1], [2]])))).toBeCloseTo(1, 12);
  });

  it('samples inside the bounds, near the observations, deterministically', () => {
    const dims = [
      tpeDim('x', { type: 'float', low: 1e-4, high: 1, log: true })!,
      tpeDim('n', { type: 'int', low: 0, high: 50 })!,
      tpeDim('c', { type: 'categorical', choices: [1, 2, 3] })!,
    ];
    const obs = Array.from({ length: 20 }, () => [Math.log(0.01), 40, 1]);
    const pe = new ParzenEstimator(dims, obs, defaultWeights(20), {
      ...UNIVARIATE,
      multivariate: true,
    });
    const a = pe.sample(createRng(3), 400);
    expect(pe.sample(createRng(3), 400)).toEqual(a);
    for (const [x, n, c] of a) {
      expect(x).toBeGreaterThanOrEqual(Math.log(1e-4));
      expect(x).toBeLessThanOrEqual(0);
      expect(Number.isInteger(n) && n! >= 0 && n! <= 50).toBe(true);
      expect([0, 1, 2]).toContain(c);
    }
    // 20 of 21 components sit at (log 0.01, 40, choice 1).
    const near = a.filter(([x, n]) => Math.abs(x! - Math.log(0.01)) < 2 && Math.abs(n! - 40) < 12);
    expect(near.length).toBeGreaterThan(300);
    expect(a.filter(([, , c]) => c === 1).length).toBeGreaterThan(300);
    expect(pe.logPdf(a).every(Number.isFinite)).toBe(true);
  });

  it('ramps down old observations from 25 on (Optuna default_weights)', () => {
    expect(defaultWeights(3)).toEqual([1, 1, 1]);
    const w = defaultWeights(30);
    expect(w).toHaveLength(30);
    expect(w[0]).toBeCloseTo(1 / 30, 15);
    expect(w[2]).toBeCloseTo((1 / 30 + 1) / 2, 15);
    expect(w.slice(4)).toEqual(new Array(26).fill(1));
    expect(defaultWeights(26)).toEqual([1 / 26, ...new Array(25).fill(1)]);
  });
});
