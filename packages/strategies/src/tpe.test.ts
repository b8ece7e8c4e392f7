import { createStudy, type FrozenTrial, type Strategy } from '@webtune/core';
import { type Config, createSpace, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { random } from './random.js';
import { describeStrategyConformance, frozenTrial } from './testing/conformance.js';
import { BRANIN, BRANIN_MIN, branin, SEED_GRID, seedGrid } from './testProblems.js';
import { decompose, defaultGamma, splitTrials, type TpeOptions, tpe } from './tpe.js';

const withSeed = (options: TpeOptions) => (seed?: number) =>
  tpe(seed === undefined ? options : { ...options, seed });

// A short start-up so most of each conformance run comes from the model.
describeStrategyConformance('tpe', withSeed({ startup: 3 }));
describeStrategyConformance('tpe (multivariate)', withSeed({ startup: 3, multivariate: true }));
describeStrategyConformance(
  'tpe (multivariate, Optuna 3.x bandwidths)',
  withSeed({ startup: 3, multivariate: true, bandwidth: 'optuna3' }),
);
describeStrategyConformance(
  'tpe (multivariate, group, constant liar)',
  withSeed({ startup: 3, multivariate: true, group: true, constantLiar: true }),
);

const median = (values: readonly number[]) => {
  const s = [...values].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function run(
  strategy: Strategy,
  json: SpaceJSON,
  objective: (c: Config) => number,
  trials: number,
  seed: number,
  direction: 'minimize' | 'maximize' = 'minimize',
) {
  const study = createStudy({ space: createSpace(json), strategy, seed, direction });
  await study.optimize((params) => objective(params), { trials });
  return study;
}

describe('tpe', () => {
  it('rejects bad options, naming them', () => {
    expect(() => tpe({ startup: -1 })).toThrow('tpe: startup (-1)');
    expect(() => tpe({ candidates: 0 })).toThrow('tpe: candidates (0)');
    expect(() => tpe({ priorWeight: 0 })).toThrow('tpe: priorWeight (0)');
    expect(() => tpe({ seed: 1.5 })).toThrow('tpe: seed (1.5)');
    expect(() => tpe({ group: true })).toThrow('tpe: group (true) needs multivariate');
    expect(() => tpe({ multivariate: 'yes' as unknown as boolean })).toThrow(
      'tpe: multivariate (yes)',
    );
    expect(() => tpe({ gamma: 3 as unknown as (n: number) => number })).toThrow('tpe: gamma (3)');
    expect(() => tpe({ bandwidth: 'scott' as 'optuna3' })).toThrow('tpe: bandwidth (scott)');
    expect(() => tpe({ widthWeighted: 1 as unknown as boolean })).toThrow('tpe: widthWeighted (1)');
  });

  for (const direction of ['minimize', 'maximize'] as const) {
    it(`concentrates its suggestions near the optimum of a 1-D quadratic (${direction})`, async () => {
      const sign = direction === 'minimize' ? 1 : -1;
      const json: SpaceJSON = { x: { type: 'float', low: -10, high: 10 } };
      const study = await run(
        tpe(),
        json,
        ({ x }) => sign * ((x as number) - 3) ** 2,
        60,
        4,
        direction,
      );
      const after = study.trials.slice(30).map((t) => Math.abs((t.params.x as number) - 3));
      // Uniform draws on [−10, 10] put the median distance at 5 and 1 in 10 within 1 of the optimum.
      expect(median(after)).toBeLessThan(2.5);
      expect(after.filter((d) => d < 1).length).toBeGreaterThanOrEqual(7);
      expect(Math.abs((study.bestTrial!.params.x as number) - 3)).toBeLessThan(0.1);
    });
  }

  it('beats random search on Branin at 50 evaluations (median log10 regret over 5 seeds)', async () => {
    const regret = async (make: () => Strategy) => {
      const out: number[] = [];
      for (const seed of [0, 1, 2, 3, 4]) {
        const study = await run(make(), BRANIN, branin, 50, seed);
        out.push(Math.log10(study.bestTrial!.value! - BRANIN_MIN));
      }
      return median(out);
    };
    const rand = await regret(() => random());
    const uni = await regret(() => tpe());
    const multi = await regret(() => tpe({ multivariate: true }));
    expect(uni).toBeLessThan(rand - 0.2);
    expect(multi).toBeLessThan(rand - 0.2);
  });

  it('finds the seed grid’s optimum within 60 evaluations for most seeds, mostly within 30', async () => {
    const firstHits: number[] = [];
    for (const seed of [0, 1, 2, 3, 4, 5]) {
      const study = await run(tpe(), SEED_GRID, seedGrid, 60, seed);
      const hit = study.trials.findIndex((t) => Math.abs(t.value! - 0.10937336327052119) < 1e-12);
      firstHits.push(hit < 0 ? Number.POSITIVE_INFINITY : hit + 1);
      const keys = study.trials.map((t) => JSON.stringify(t.params));
      expect(new Set(keys).size, 'no configuration is evaluated twice').toBe(keys.length);
    }
    // Without repeats, uniform draws hit it by 30 of 64 with probability 0.47 per seed.
    expect(firstHits.filter((n) => n <= 60).length).toBeGreaterThanOrEqual(5);
    expect(firstHits.filter((n) => n <= 30).length).toBeGreaterThanOrEqual(5);
  });

  it('tries every configuration of a small finite space once before repeating, in batches too', async () => {
    const json: SpaceJSON = {
      a: { type: 'int', low: 0, high: 2 },
      c: { type: 'categorical', choices: ['x', 'y', 'z', 'w'] },
    };
    const space = createSpace(json);
    for (const options of [{}, { multivariate: true }] as TpeOptions[]) {
      const study = createStudy({ space, strategy: tpe({ ...options, startup: 2 }), seed: 5 });
      await study.optimize((p) => (p.a as number) + (p.c === 'z' ? 0 : 1), {
        trials: 12,
        concurrency: 4,
      });
      const keys = study.trials.map((t) => space.key(t.params));
      expect(new Set(keys).size).toBe(12);
    }
  });

  it('is deterministic for a seed, and the seed matters', async () => {
    const params = async (seed: number, options: TpeOptions = {}) =>
      (await run(tpe({ ...options, seed }), BRANIN, branin, 25, 0)).trials.map((t) => t.params);
    expect(await params(7)).toEqual(await params(7));
    expect(await params(7, { multivariate: true })).toEqual(
      await params(7, { multivariate: true }),
    );
    expect((await params(8)).slice(10)).not.toEqual((await params(7)).slice(10));
  });

  const history = (values: readonly number[]): FrozenTrial[] =>
    values.map((v, i) => frozenTrial(i, { x: -10 + (20 * i) / values.length }, 'complete', v));

  it('survives degenerate histories: all values equal, a single good trial', async () => {
    const space = createSpace({ x: { type: 'float', low: -10, high: 10 } });
    for (const options of [{}, { multivariate: true }, { gamma: () => 1 }] as TpeOptions[]) {
      for (const trials of [
        history(new Array(12).fill(1)),
        history([5, 4, 3, 2, 1, 0.5, 9, 9, 9, 9, 9]),
      ]) {
        const batch = await tpe({ ...options, seed: 1 }).suggest({
          space,
          direction: 'minimize',
          trials,
          count: 3,
          seed: 0,
        });
        expect(batch).toHaveLength(3);
        for (const c of batch)
          expect(Number.isFinite(c.x as number) && space.contains(c)).toBe(true);
      }
    }
  });

  it('spreads a batch: pending points count as the worst (constant liar)', async () => {
    const space = createSpace({ x: { type: 'float', low: -10, high: 10 } });
    const trials = history(Array.from({ length: 20 }, (_, i) => (-10 + i - 3) ** 2));
    const ask = (options: TpeOptions, extra: FrozenTrial[] = [], count = 1) =>
      tpe({ ...options, seed: 2 }).suggest({
        space,
        direction: 'minimize',
        trials: [...trials, ...extra],
        count,
        seed: 0,
      });
    const batch = await ask({}, [], 6);
    expect(new Set(batch.map((c) => c.x)).size).toBe(6);
    // Running trials piled on the good region: with the liar they push the suggestion away.
    const running = [20, 21, 22, 23, 24, 25].map((n) =>
      frozenTrial(n, { x: 3 + (n - 22) * 0.01 }, 'running'),
    );
    const plain = await ask({}, running);
    const liar = await ask({ constantLiar: true }, running);
    expect(plain).toEqual(await ask({}));
    expect(liar).not.toEqual(plain);
  });

  it('splits trials as Optuna: complete by value, then pruned by last step and value, failed ignored', () => {
    const pruned = (n: number, steps: [number, number][]): FrozenTrial => ({
      ...frozenTrial(n, { x: n }, 'pruned'),
      intermediate: steps.map(([step, value]) => ({ step, value })),
    });
    const finished = [
      frozenTrial(0, { x: 0 }, 'complete', 5),
      pruned(1, [[0, 0.1]]),
      pruned(2, [
        [0, 9],
        [3, 7],
      ]),
      frozenTrial(3, { x: 3 }, 'complete', 2),
      pruned(4, []),
      pruned(5, [[3, 1]]),
    ];
    const order = (direction: 'minimize' | 'maximize', n: number) => {
      const { below, above } = splitTrials(finished, direction, n);
      return [below.map((o) => o.number), above.map((o) => o.number)];
    };
    expect(order('minimize', 3)).toEqual([
      [0, 3, 5],
      [1, 2, 4],
    ]);
    expect(order('maximize', 3)).toEqual([
      [0, 2, 3],
      [1, 4, 5],
    ]);
    expect(order('minimize', 1)).toEqual([[3], [0, 1, 2, 4, 5]]);
  });

  it('breaks ties in value by trial order, as Optuna’s stable argsort', () => {
    const finished = [4, 1, 4, 4, 1].map((v, n) => frozenTrial(n, { x: n }, 'complete', v));
    const { below, above } = splitTrials(finished, 'minimize', 3);
    expect(below.map((o) => o.number)).toEqual([0, 1, 4]);
    expect(above.map((o) => o.number)).toEqual([2, 3]);
  });

  it('sizes the good group by Optuna’s default gamma: min(⌈0.1·n⌉, 25)', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 1],
      [10, 1],
      [11, 2],
      [99, 10],
      [100, 10],
      [241, 25],
      [250, 25],
      [10_000, 25],
    ];
    for (const [n, g] of cases) expect(defaultGamma(n), `n = ${n}`).toBe(g);
  });

  it('defaults to Optuna 3.1 when univariate, to the neighbour rule and exact density when multivariate', async () => {
    const xs = async (options: TpeOptions) =>
      (await run(tpe({ startup: 5, ...options }), BRANIN, branin, 30, 4)).trials.map(
        (t) => t.params.x1,
      );
    const byDefault = await xs({});
    expect(byDefault).toEqual(await xs({ bandwidth: 'optuna3', widthWeighted: true }));
    expect(byDefault).not.toEqual(await xs({ bandwidth: 'neighbours', widthWeighted: true }));
    expect(byDefault).not.toEqual(await xs({ bandwidth: 'optuna3', widthWeighted: false }));
    const multi = await xs({ multivariate: true });
    const mv = { multivariate: true };
    expect(multi).toEqual(await xs({ ...mv, bandwidth: 'neighbours', widthWeighted: false }));
    expect(multi).not.toEqual(await xs({ ...mv, bandwidth: 'optuna3', widthWeighted: false }));
    expect(multi).not.toEqual(await xs({ ...mv, bandwidth: 'neighbours', widthWeighted: true }));
  });

  it('decomposes a conditional space into groups always active together', () => {
    const obs = (params: Config, number: number) => ({ params, number });
    const groups = decompose(
      ['opt', 'lr', 'momentum', 'nesterov', 'beta1', 'unseen'],
      [
        obs({ opt: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, 0),
        obs({ opt: 'adam', lr: 0.1, beta1: 0.9 }, 1),
        obs({ opt: 'sgd', lr: 0.1, momentum: 0.5, nesterov: false }, 2),
      ],
    );
    expect(groups).toEqual([['opt', 'lr'], ['momentum', 'nesterov'], ['beta1'], ['unseen']]);
  });
});
