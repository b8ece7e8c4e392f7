import type { SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { importancePlan } from './plan.js';

const floats = (k: number): SpaceJSON =>
  Object.fromEntries(
    Array.from({ length: k }, (_, i) => [`p${i}`, { type: 'float', low: 0, high: 1 }]),
  ) as SpaceJSON;

describe('importancePlan', () => {
  it('keeps the full analysis (4096 samples, up to 300 trials) for a space of a few parameters', () => {
    expect(importancePlan(floats(5), 1000)).toMatchObject({ samples: 4096, maxTrials: 300 });
    expect(importancePlan(floats(20), 120)).toMatchObject({ samples: 4096, maxTrials: 120 });
  });

  it('cuts samples first (powers of 2, not below 1024), then trials, to fit the time budget', () => {
    const plan = importancePlan(floats(50), 300);
    expect(plan).toMatchObject({ samples: 1024 });
    if ('skipped' in plan) throw new Error(plan.skipped);
    expect(plan.maxTrials).toBeLessThan(300);
    expect(plan.maxTrials).toBeGreaterThanOrEqual(50);
    expect(plan.seconds).toBeLessThanOrEqual(5);
    // A larger budget buys back the samples and trials.
    expect(importancePlan(floats(50), 300, { seconds: 60 })).toMatchObject({
      samples: 4096,
      maxTrials: 300,
    });
  });

  it('skips with one sentence when even the smallest analysis is over the time budget', () => {
    expect(importancePlan(floats(200), 100)).toEqual({
      skipped:
        'Skipped: 200 parameters and 100 complete trials would take about 60 s to rank (a GP fit and 4096·202 evaluations of its mean), more than the 5 s allowed; paramImportances from @webtune/analysis computes it without a limit.',
    });
  });

  it('skips a huge one-hot categorical on memory, naming it', () => {
    const space: SpaceJSON = {
      c: { type: 'categorical', choices: Array.from({ length: 10_000 }, (_, i) => `c${i}`) },
      x: { type: 'float', low: 0, high: 1 },
    };
    expect(importancePlan(space, 100)).toEqual({
      skipped:
        'Skipped: 10001 encoded dimensions (a 10000-choice categorical, c, one-hot) would need about 313 MiB at 1024 Monte Carlo samples, more than the 256 MiB allowed.',
    });
    expect(importancePlan(space, 100, { bytes: 2 ** 30, seconds: 1e9 })).toMatchObject({
      samples: 2048,
    });
  });
});
