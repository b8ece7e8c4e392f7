import { describe, expect, it } from 'vitest';
import {
  medianPruner,
  noPruner,
  percentile,
  percentilePruner,
  successiveHalvingPruner,
  thresholdPruner,
} from './pruners.js';
import type { Direction, FrozenTrial, Pruner, TrialState } from './types.js';

let next = 0;
function trial(state: TrialState, values: number[] | Record<number, number>): FrozenTrial {
  const entries = Array.isArray(values)
    ? values.map((value, step) => ({ step, value }))
    : Object.entries(values).map(([s, value]) => ({ step: Number(s), value }));
  return {
    number: next++,
    params: {},
    state,
    intermediate: entries,
    userAttrs: {},
    startedAt: 0,
  };
}

const ask = (
  pruner: Pruner,
  t: FrozenTrial,
  others: FrozenTrial[],
  direction: Direction = 'minimize',
) => pruner.shouldPrune({ trial: t, trials: [...others, t], direction });

describe('percentile', () => {
  it('interpolates linearly like numpy', () => {
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([1, 2, 3, 4], 25)).toBe(1.75);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('medianPruner (Optuna semantics)', () => {
  // completed curves at steps 0..2: medians at step 2 = 3 (values 1, 3, 5)
  const history = [
    trial('complete', [9, 5, 1]),
    trial('complete', [9, 6, 3]),
    trial('complete', [9, 7, 5]),
  ];

  it('prunes a minimising trial whose best so far is worse than the median at its step', () => {
    const p = medianPruner({ startupTrials: 3 });
    expect(ask(p, trial('running', [9, 8, 4]), history)).toBe(true); // best 4 > median 3
    expect(ask(p, trial('running', [9, 8, 2]), history)).toBe(false); // best 2 < 3
    // best over all steps counts: 2 at step 0 beats the median 3 at step 2
    expect(ask(p, trial('running', [2, 8, 4]), history)).toBe(false);
    expect(ask(p, trial('running', [9, 8, 3]), history)).toBe(false); // equal is not worse
  });

  it('mirrors for maximisation', () => {
    const p = medianPruner({ startupTrials: 3 });
    expect(ask(p, trial('running', [0, 0, 2]), history, 'maximize')).toBe(true); // max 2 < 3
    expect(ask(p, trial('running', [0, 0, 4]), history, 'maximize')).toBe(false);
  });

  it('waits for startupTrials completed trials (running, pruned and failed do not count)', () => {
    const p = medianPruner(); // startupTrials 5
    const t = trial('running', [9, 9, 9]);
    expect(ask(p, t, history)).toBe(false);
    const noise = [trial('running', [0, 0, 0]), trial('pruned', [0, 0]), trial('failed', [0])];
    expect(ask(p, t, [...history, ...noise])).toBe(false);
    const more = [trial('complete', [9, 9, 9]), trial('complete', [9, 9, 9])];
    expect(ask(p, t, [...history, ...more.slice(1)])).toBe(false); // 4 completed
    expect(ask(p, t, [...history, ...more])).toBe(true); // 5 completed: median 5 at step 2, best 9
  });

  it('the median of an even count is the mean of the middle two', () => {
    const p = medianPruner({ startupTrials: 1 });
    const four = [...history, trial('complete', [9, 9, 7])]; // step 2: 1, 3, 5, 7 → 4
    expect(ask(p, trial('running', [9, 9, 4.5]), four)).toBe(true);
    expect(ask(p, trial('running', [9, 9, 3.5]), four)).toBe(false);
  });

  it('respects warmupSteps', () => {
    const p = medianPruner({ startupTrials: 1, warmupSteps: 2 });
    expect(ask(p, trial('running', [99, 99]), history)).toBe(false); // step 1 < warmup
    expect(ask(p, trial('running', [99, 99, 99]), history)).toBe(true);
  });

  it('respects intervalSteps (only the first report in each interval after warmup)', () => {
    const completed = [
      trial('complete', [1, 1, 1, 1, 1, 1]),
      trial('complete', [1, 1, 1, 1, 1, 1]),
    ];
    const p = medianPruner({ startupTrials: 1, warmupSteps: 1, intervalSteps: 2 });
    // pruning steps are 1, 3, 5
    expect(ask(p, trial('running', [9, 9]), completed)).toBe(true); // step 1
    expect(ask(p, trial('running', [9, 9, 9]), completed)).toBe(false); // step 2: same interval as 1
    expect(ask(p, trial('running', [9, 9, 9, 9]), completed)).toBe(true); // step 3
    // sparse reports: step 4 is the first report in [3, 5) when the previous one was step 2 …
    expect(ask(p, trial('running', { 0: 9, 2: 9, 4: 9 }), completed)).toBe(true);
    // … but not when step 3 was reported already
    expect(ask(p, trial('running', { 0: 9, 3: 9, 4: 9 }), completed)).toBe(false);
  });

  it('needs minTrials completed values at the step', () => {
    const p = medianPruner({ startupTrials: 1, minTrials: 4 });
    expect(ask(p, trial('running', [99, 99, 99]), history)).toBe(false);
    const p3 = medianPruner({ startupTrials: 1, minTrials: 3 });
    expect(ask(p3, trial('running', [99, 99, 99]), history)).toBe(true);
    // a step no completed trial reported: no reference, no pruning
    expect(ask(p3, trial('running', { 7: 99 }), history)).toBe(false);
  });

  it('does not prune a trial with no reports, and never compares a trial with itself', () => {
    const p = medianPruner({ startupTrials: 1 });
    expect(ask(p, trial('running', []), history)).toBe(false);
    const self = trial('complete', [99, 99, 99]);
    expect(p.shouldPrune({ trial: self, trials: [self], direction: 'minimize' })).toBe(false);
  });

  it('validates its options', () => {
    expect(() => medianPruner({ startupTrials: -1 })).toThrow(
      'medianPruner: startupTrials (-1) must be an integer >= 0',
    );
    expect(() => medianPruner({ intervalSteps: 0 })).toThrow(
      'medianPruner: intervalSteps (0) must be an integer >= 1',
    );
    expect(() => percentilePruner({ percentile: 120 })).toThrow(
      'percentilePruner: percentile (120) must be in [0, 100]',
    );
  });

  it('noPruner never prunes', () => {
    expect(ask(noPruner(), trial('running', [1e9]), history)).toBe(false);
  });
});

describe('thresholdPruner', () => {
  it('prunes when the latest value leaves [lower, upper]', () => {
    const p = thresholdPruner({ upper: 2 });
    expect(ask(p, trial('running', [1, 3]), [])).toBe(true);
    expect(ask(p, trial('running', [3, 1]), [])).toBe(false); // only the latest value counts
    const q = thresholdPruner({ lower: 0.5, upper: 2, warmupSteps: 2 });
    expect(ask(q, trial('running', [9, 9]), [])).toBe(false); // warm-up
    expect(ask(q, trial('running', [1, 1, 0.1]), [])).toBe(true);
    expect(ask(q, trial('running', [1, 1, 1]), [])).toBe(false);
    expect(() => thresholdPruner({})).toThrow('thresholdPruner: give lower, upper or both');
    expect(() => thresholdPruner({ lower: 2, upper: 1 })).toThrow(
      'thresholdPruner: lower (2) must be <= upper (1)',
    );
  });
});

describe('successiveHalvingPruner (ASHA)', () => {
  // rungs at steps 1, 2, 4, 8 … (minResource 1, η 2)
  const p = successiveHalvingPruner({ minResource: 1, reductionFactor: 2 });

  it('promotes the top 1/η at a rung and prunes the rest (minimize)', () => {
    const others = [
      trial('complete', [9, 1, 1]),
      trial('running', [9, 2]),
      trial('pruned', [9, 5]),
    ];
    // rung 0 (step 1): values 1, 2, 5 and ours; n = 4 → the best 2 go on: threshold 2
    expect(ask(p, trial('running', [9, 1.5]), others)).toBe(false);
    expect(ask(p, trial('running', [9, 2]), others)).toBe(false);
    expect(ask(p, trial('running', [9, 3]), others)).toBe(true);
  });

  it('mirrors for maximisation', () => {
    const others = [
      trial('complete', [0, 9, 9]),
      trial('running', [0, 8]),
      trial('pruned', [0, 1]),
    ];
    expect(ask(p, trial('running', [0, 8.5]), others, 'maximize')).toBe(false);
    expect(ask(p, trial('running', [0, 2]), others, 'maximize')).toBe(true);
  });

  it('with fewer than η values the best one only is promoted', () => {
    const others = [trial('complete', [9, 1])];
    expect(ask(p, trial('running', [9, 0.5]), others)).toBe(false);
    expect(ask(p, trial('running', [9, 1.5]), others)).toBe(true);
  });

  it('checks only the rungs reached by the latest report', () => {
    const others = [trial('complete', [9, 1, 1, 1, 1]), trial('complete', [9, 2, 2, 2, 0])];
    // step 3 is between rungs 2 and 4: nothing to check, even though the trial is worst at rung 1
    expect(ask(p, trial('running', [9, 5, 5, 5]), others)).toBe(false);
    // step 4 reaches rung 2: values 1, 0 and ours (0.5) → n = 3, best 1 goes on → pruned
    expect(ask(p, trial('running', [9, 5, 5, 5, 0.5]), others)).toBe(true);
    expect(ask(p, trial('running', [9, 5, 5, 5, -1]), others)).toBe(false);
  });

  it('uses the first report at or after the rung step for sparse reports', () => {
    const others = [trial('complete', { 0: 9, 3: 1 }), trial('complete', { 0: 9, 1: 4 })];
    // rung 1 (step 1): the others' values are 1 (reported at step 3) and 4 → with ours 3: best 1 → prune
    expect(ask(p, trial('running', { 0: 9, 1: 3 }), others)).toBe(true);
    expect(ask(p, trial('running', { 0: 9, 1: 0.5 }), others)).toBe(false);
  });

  it('auto minResource waits for a completed trial', () => {
    const auto = successiveHalvingPruner({ reductionFactor: 2 });
    expect(ask(auto, trial('running', [9, 9]), [trial('running', [1, 1])])).toBe(false);
    expect(ask(auto, trial('running', [9, 9]), [trial('complete', [1, 1])])).toBe(true);
  });

  it('bootstrapCount prunes until a rung has enough values, and options are validated', () => {
    const b = successiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 });
    expect(ask(b, trial('running', [9, 0]), [trial('complete', [9, 5])])).toBe(true);
    expect(
      ask(b, trial('running', [9, 0]), [trial('complete', [9, 5]), trial('complete', [9, 6])]),
    ).toBe(false);
    expect(() => successiveHalvingPruner({ reductionFactor: 1 })).toThrow(
      'successiveHalvingPruner: reductionFactor (1) must be an integer >= 2',
    );
  });
});
