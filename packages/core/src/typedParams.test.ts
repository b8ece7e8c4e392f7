import { type Config, categorical, float, int, space } from '@webtune/space';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { createRng } from './rng.js';
import { createStudy } from './study.js';
import type { FrozenTrial, Strategy, Trial } from './types.js';

// The assertions here are about types: `npm run check-types` (tsc) fails when one breaks; the
// test run only checks that the same code also runs.
const s = space({
  lr: float(1e-4, 1, { log: true }),
  layers: int(1, 4),
  optimizer: categorical(['adam', 'sgd']),
  momentum: float(0, 0.99, { when: { optimizer: ['sgd'] } }),
});
type C = ReturnType<typeof s.sample>;

const sampler: Strategy = {
  name: 'sample',
  async suggest({ space, seed, trials, count }) {
    const rng = createRng(seed).fork(trials.length);
    return Array.from({ length: count }, () => space.sample(rng));
  },
};

describe('a study of a space built with space() is typed by it', () => {
  it('types params in optimize, ask, bestTrial, trials and onTrialComplete', async () => {
    const study = createStudy({ space: s, strategy: sampler, seed: 3 });
    await study.optimize(
      (params, trial) => {
        expectTypeOf(params).toEqualTypeOf<C>();
        expectTypeOf(params.lr).toEqualTypeOf<number>();
        expectTypeOf(params.optimizer).toEqualTypeOf<'adam' | 'sgd'>();
        expectTypeOf(params.momentum).toEqualTypeOf<number | undefined>();
        expectTypeOf(trial).toEqualTypeOf<Trial<C>>();
        // @ts-expect-error a misspelt parameter does not compile
        void params.lrr;
        return Math.log10(params.lr) ** 2 + params.layers + (params.momentum ?? 0);
      },
      {
        trials: 5,
        onTrialComplete: (trial) => {
          expectTypeOf(trial.params.layers).toEqualTypeOf<number>();
        },
      },
    );
    const trial = await study.ask();
    expectTypeOf(trial).toEqualTypeOf<Trial<C> | undefined>();
    if (trial) await study.tell(trial, trial.params.lr);
    expectTypeOf(study.bestTrial).toEqualTypeOf<FrozenTrial<C> | undefined>();
    expectTypeOf(study.trials[0]!.params.optimizer).toEqualTypeOf<'adam' | 'sgd'>();
    study.enqueue({ lr: 0.1, layers: 2, optimizer: 'adam' });
    // @ts-expect-error a value outside the categorical's choices does not compile
    expect(() => study.enqueue({ lr: 0.1, layers: 2, optimizer: 'rmsprop' })).toThrow();
    expect(study.trials).toHaveLength(6);
    expect(typeof study.bestTrial?.params.lr).toBe('number');
  });

  it('gives a strategy written for the space typed trials', async () => {
    let seen: number[] = [];
    const mine: Strategy<C> = {
      name: 'mine',
      async suggest({ trials, count }) {
        seen = trials.map((t) => t.params.layers);
        return Array.from({ length: count }, (_, i) => ({
          lr: 0.01,
          layers: 1 + ((trials.length + i) % 4),
          optimizer: 'adam',
        }));
      },
    };
    const study = createStudy({ space: s, strategy: mine });
    await study.optimize((p) => p.layers, { trials: 3 });
    expect(seen).toEqual([1, 2]);
    expect(study.bestValue).toBe(1);
  });

  it('keeps plain Config for JSON and untyped spaces', async () => {
    const study = createStudy({
      space: { x: { type: 'float', low: 0, high: 1 } },
      strategy: sampler,
    });
    await study.optimize(
      (params) => {
        expectTypeOf(params).toEqualTypeOf<Config>();
        return params.x as number;
      },
      { trials: 2 },
    );
    expectTypeOf(study.bestTrial).toEqualTypeOf<FrozenTrial | undefined>();
    expect(study.trials).toHaveLength(2);
  });
});
