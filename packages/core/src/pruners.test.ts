import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TrialPruned } from './errors.js';
import {
  crc32,
  hyperbandPruner,
  medianPruner,
  noPruner,
  percentile,
  percentilePruner,
  successiveHalvingPruner,
  thresholdPruner,
} from './pruners.js';
import { createStudy } from './study.js';
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

describe('hyperbandPruner (Optuna semantics)', () => {
  /** A trial numbered `number` reporting `values` at steps 0, 1, … */
  const numbered = (number: number, state: TrialState, values: number[]): FrozenTrial => ({
    ...trial(state, values),
    number,
  });
  /** Optuna's bracket of trial `n`: crc32("<seed>_<n>") mod Σ budgets, walked through the budgets. */
  const bracketOf = (n: number, budgets: number[], seed = 0) => {
    let h = crc32(`${seed}_${n}`) % budgets.reduce((a, b) => a + b, 0);
    for (const [id, b] of budgets.entries()) {
      h -= b;
      if (h < 0) return id;
    }
    throw new Error('unreachable');
  };
  // R = 27, η = 3: ⌊log₃ 27⌋ + 1 = 4 brackets with budgets ⌈4·3^s/(s+1)⌉ for s = 3, 2, 1, 0.
  const budgets = [27, 12, 6, 4];
  const inBracket = (id: number, count: number, seed = 0) => {
    const out: number[] = [];
    for (let n = 0; out.length < count; n++) if (bracketOf(n, budgets, seed) === id) out.push(n);
    return out;
  };

  it('hashes with zlib’s CRC-32, as Python’s binascii.crc32', () => {
    expect(crc32('0_1')).toBe(3084352803);
    expect(crc32('optuna_7')).toBe(913463438);
    expect(crc32('é')).toBe(235179326);
  });

  it("judges a trial of bracket 0 from step 1, against its own bracket's trials only", () => {
    const p = hyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    const [a, b, c, e, f, d] = inBracket(0, 6);
    // Trials of the other brackets did far better at step 1: they must not count.
    const others = [1, 2, 3].flatMap((id) =>
      inBracket(id, 3).map((n) => numbered(n, 'complete', [0, 0])),
    );
    const own = [numbered(a!, 'complete', [9, 5]), numbered(b!, 'complete', [9, 6])];
    const mine = (v: number) => numbered(d!, 'running', [9, v]);
    const ctx = (t: FrozenTrial, extra: FrozenTrial[] = []) => ({
      trial: t,
      trials: [...others, ...own, ...extra, t],
      direction: 'minimize' as const,
    });
    // Own bracket at step 1: 5, 6 and this trial: the best ⌊3/3⌋ = 1 goes on.
    expect(p.shouldPrune(ctx(mine(4.5)))).toBe(false);
    expect(p.shouldPrune(ctx(mine(5.5)))).toBe(true);
    // Three more behind it: of 6 values, the best ⌊6/3⌋ = 2 go on.
    const behind = [c!, e!, f!].map((n, i) => numbered(n, 'complete', [9, 7 + i]));
    expect(p.shouldPrune(ctx(mine(5.5), behind))).toBe(false);
  });

  it('a trial of the last bracket is not judged before step minResource·η³ = 27', () => {
    const p = hyperbandPruner({ maxResource: 27 });
    const [n] = inBracket(3, 1);
    const done = inBracket(3, 4)
      .slice(1)
      .map((k) => numbered(k, 'complete', Array(30).fill(0)));
    const worst = (steps: number) => numbered(n!, 'running', Array(steps).fill(100));
    const ask3 = (t: FrozenTrial) =>
      p.shouldPrune({ trial: t, trials: [...done, t], direction: 'minimize' });
    expect(ask3(worst(27))).toBe(false); // last step 26
    expect(ask3(worst(28))).toBe(true); // step 27 reached: the rung
  });

  it("maxResource 'auto': no pruning until a trial completes, then R = its last step + 1", () => {
    const p = hyperbandPruner({ reductionFactor: 3 });
    const running = numbered(0, 'running', [100, 100]);
    const rivals = [1, 2, 3, 4, 5, 6].map((n) => numbered(n, 'running', [0, 0]));
    const at = (trials: FrozenTrial[]) =>
      p.shouldPrune({ trial: running, trials: [...trials, running], direction: 'minimize' });
    expect(at(rivals)).toBe(false);
    // R = 9 → 3 brackets, budgets 9, 5, 3: the trial's bracket decides where it is judged.
    const finished = numbered(99, 'complete', Array(9).fill(0));
    const id = bracketOf(0, [9, 5, 3]);
    const mates = [...Array(60).keys()]
      .map((k) => k + 1)
      .filter((k) => bracketOf(k, [9, 5, 3]) === id)
      .slice(0, 3)
      .map((k) => numbered(k, 'running', [0, 0]));
    expect(at([finished, ...mates])).toBe(id === 0);
  });

  it('spreads trials over the brackets in proportion to their budgets', () => {
    const counts = [0, 0, 0, 0];
    for (let n = 0; n < 4900; n++) counts[bracketOf(n, budgets)]!++;
    expect(counts.map((c) => Math.round(c / 100))).toEqual([27, 12, 6, 4]);
  });

  it('prunes 100 trials at the steps Optuna 3.1 does (fixtures/hyperband-optuna31.py)', async () => {
    const fixture = JSON.parse(
      readFileSync(new URL('./fixtures/hyperband-optuna31.json', import.meta.url), 'utf8'),
    ) as { steps: number; prunedAt: Record<'auto' | 'fixed', (number | null)[]> };
    const curve = (k: number, s: number) =>
      ((k * 7919) % 97) / 97 + 1 / (s + 1) + ((k * 31 + s * 17) % 13) / 100;
    for (const [name, pruner] of [
      ['auto', hyperbandPruner({ minResource: 1, reductionFactor: 3 })],
      ['fixed', hyperbandPruner({ minResource: 2, maxResource: 24, reductionFactor: 2 })],
    ] as const) {
      const study = createStudy({
        space: { x: { type: 'float', low: 0, high: 1 } },
        strategy: { name: 'fixed', suggest: async ({ count }) => Array(count).fill({ x: 0 }) },
        seed: 0,
        pruner,
      });
      const prunedAt: (number | null)[] = [];
      await study.optimize(
        (_, t) => {
          for (let s = 0; s < fixture.steps; s++) {
            t.report(s, curve(t.number, s));
            if (t.shouldPrune()) {
              prunedAt.push(s);
              throw new TrialPruned();
            }
          }
          prunedAt.push(null);
          return curve(t.number, fixture.steps - 1);
        },
        { trials: fixture.prunedAt[name].length },
      );
      expect(prunedAt, name).toEqual(fixture.prunedAt[name]);
    }
  });

  it('validates its options, naming them', () => {
    expect(() => hyperbandPruner({ reductionFactor: 1 })).toThrow(
      'hyperbandPruner: reductionFactor (1) must be an integer >= 2',
    );
    expect(() => hyperbandPruner({ minResource: 0 })).toThrow(
      'hyperbandPruner: minResource (0) must be an integer >= 1',
    );
    expect(() => hyperbandPruner({ minResource: 5, maxResource: 4 })).toThrow(
      'hyperbandPruner: maxResource (4) must be >= minResource (5)',
    );
    expect(() => hyperbandPruner({ maxResource: 'big' as never })).toThrow(
      'hyperbandPruner: maxResource (big) must be an integer >= 1',
    );
  });
});
