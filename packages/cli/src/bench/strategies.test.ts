import { createStudy, type Strategy } from '@webtune/core';
import { createSpace } from '@webtune/space';
import { tpe } from '@webtune/strategies';
import { describe, expect, it } from 'vitest';
import { createBenchStrategy } from './strategies.js';

/** The configurations a strategy suggests over 15 trials of a 2-D quadratic, seed 2. */
async function suggestions(strategy: Strategy) {
  const space = createSpace({
    a: { type: 'float', low: 0, high: 1 },
    b: { type: 'float', low: 0, high: 1 },
  });
  const study = createStudy({ space, strategy, seed: 2 });
  await study.optimize(({ a, b }) => ((a as number) - 0.3) ** 2 + ((b as number) - 0.6) ** 2, {
    trials: 15,
  });
  return study.trials.map((t) => t.params);
}

describe('createBenchStrategy', () => {
  it('builds tpe-multivariate as tpe({ multivariate: true }), distinct from the default tpe', async () => {
    const problem = { deterministic: true };
    const multi = await suggestions(createBenchStrategy('tpe-multivariate', problem));
    expect(multi).toEqual(await suggestions(tpe({ multivariate: true })));
    expect(multi).not.toEqual(await suggestions(createBenchStrategy('tpe', problem)));
  });

  it('names the strategy when it is unknown', () => {
    expect(() => createBenchStrategy('simplex', { deterministic: false })).toThrow(
      'unknown strategy "simplex"',
    );
  });
});
