import type { FrozenTrial, Strategy, SuggestContext } from '@webtune/core';
import { createSpace, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { exhaustive } from './exhaustive.js';
import { grid } from './grid.js';
import { random } from './random.js';
import { sobol } from './sobolStrategy.js';
import { frozenTrial } from './testing/conformance.js';

describe('random, sobol, grid and exhaustive read the history incrementally', () => {
  /**
   * Suggests `n` times, one trial appended after each call, through a context whose `trials`
   * throws (the O(n) snapshot) and whose `history` counts its reads; returns reads per trial.
   */
  const readsPerTrial = async (strategy: Strategy, json: SpaceJSON, n: number) => {
    const space = createSpace(json);
    const trials: FrozenTrial[] = [];
    let reads = 0;
    const history = {
      get length() {
        return trials.length;
      },
      at(i: number) {
        reads++;
        return trials[i]!;
      },
    };
    for (let i = 0; i < n; i++) {
      const context = {
        space,
        direction: 'minimize',
        count: 1,
        seed: 0,
        history,
        get trials(): never {
          throw new Error('read the whole trial list');
        },
      } as SuggestContext;
      const [config] = await strategy.suggest(context);
      if (config === undefined) break;
      // Every other trial stays running for a call, as with concurrency 2.
      trials.push(frozenTrial(i, config, 'running'));
      if (i > 0) {
        const prev = trials[i - 1]!;
        trials[i - 1] = frozenTrial(i - 1, prev.params, 'complete', 1);
      }
    }
    return reads / trials.length;
  };

  const finite = {
    a: { type: 'int', low: 0, high: 99 },
    b: { type: 'categorical', choices: ['x', 'y', 'z'] },
  } satisfies SpaceJSON;
  const continuous = { x: { type: 'float', low: 0, high: 1 } } satisfies SpaceJSON;

  it.each([
    ['random (finite space)', () => random(), finite],
    ['random (continuous space)', () => random(), continuous],
    ['sobol (finite space)', () => sobol(), finite],
    ['sobol (continuous space)', () => sobol(), continuous],
    ['grid', () => grid(), finite],
    ['exhaustive', () => exhaustive(), finite],
  ] as const)('%s: a bounded number of reads per trial', async (_, make, json) => {
    expect(await readsPerTrial(make(), json, 250)).toBeLessThanOrEqual(3);
  });
});
