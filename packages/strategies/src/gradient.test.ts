import type { FrozenTrial } from '@webtune/core';
import { type Config, createSpace } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { gradient } from './gradient.js';
import { random } from './random.js';
import { describeStrategyConformance } from './testing/conformance.js';

describeStrategyConformance(
  'gradient',
  (seed) => gradient(seed === undefined ? { startupTrials: 4 } : { startupTrials: 4, seed }),
  { budget: 12, timeout: 60_000 },
);

const SPACE = createSpace({
  a: { type: 'float', low: -2, high: 2 },
  b: { type: 'float', low: -2, high: 2 },
  c: { type: 'float', low: -2, high: 2 },
});
/** A smooth, anisotropic bowl with its minimum 0 at (0.7, −1.1, 0.4). */
function bowl({ a, b, c }: Config): number {
  return (
    ((a as number) - 0.7) ** 2 + 3 * ((b as number) + 1.1) ** 2 + 0.5 * ((c as number) - 0.4) ** 2
  );
}

async function run(make: () => ReturnType<typeof gradient>, budget: number, seed: number) {
  const strategy = make();
  const trials: FrozenTrial[] = [];
  for (let i = 0; i < budget; i++) {
    const [params] = await strategy.suggest({
      space: SPACE,
      direction: 'minimize',
      trials,
      count: 1,
      seed,
    });
    trials.push({
      number: i,
      params: params!,
      state: 'complete',
      value: bowl(params!),
      intermediate: [],
      userAttrs: {},
      startedAt: 0,
    });
  }
  return trials;
}

describe('gradient', () => {
  it('descends a smooth bowl far faster than random search, without repeating a point', async () => {
    for (const seed of [0, 1]) {
      const trials = await run(() => gradient(), 25, seed);
      const best = Math.min(...trials.map((t) => t.value!));
      const rs = await run(() => random(), 25, seed);
      expect(best).toBeLessThan(1e-3);
      expect(best).toBeLessThan(Math.min(...rs.map((t) => t.value!)) / 100);
      const keys = new Set(trials.map((t) => SPACE.key(t.params)));
      expect(keys.size).toBe(trials.length);
    }
  }, 60_000);

  it('gives a distinct batch', async () => {
    const trials = await run(() => gradient({ seed: 2 }), 10, 2);
    const batch = await gradient({ seed: 2 }).suggest({
      space: SPACE,
      direction: 'minimize',
      trials,
      count: 3,
      seed: 2,
    });
    expect(batch).toHaveLength(3);
    expect(new Set(batch.map((c) => SPACE.key(c))).size).toBe(3);
  }, 30_000);

  it('rejects bad options before any work, naming the option and value', () => {
    expect(() => gradient({ stepSize: 0 })).toThrow(/gradient\.stepSize: 0/);
    expect(() => gradient({ iterations: 0 })).toThrow(/gradient\.iterations: 0/);
    expect(() => gradient({ exploration: -1 })).toThrow(/gradient\.exploration: -1/);
    expect(() => gradient({ kernel: 'x' as never })).toThrow(/gradient\.kernel: 'x'/);
  });
});
