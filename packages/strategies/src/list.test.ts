import { createStudy, memoryStorage, STALE_TRIAL_ERROR, type Strategy } from '@webtune/core';
import { type Config, createSpace, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { exhaustive } from './exhaustive.js';
import { grid } from './grid.js';

/** The seed example's 64-point grid. */
const seedGrid: SpaceJSON = {
  lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
};
const value = (c: Config) => (c.lr as number) + (c.batch as number) / 1000;
const keyOf = (c: Config) => createSpace(seedGrid).key(c);

describe('exhaustive and grid retry failed configurations', () => {
  it('a resumed 64-point grid retries the configuration whose trial went stale: 64 complete', async () => {
    const space = createSpace(seedGrid);
    const storage = memoryStorage();
    // What a run killed during trial 40 leaves: 40 complete, trial 40 still 'running'.
    const all = space.enumerate();
    for (let i = 0; i <= 40; i++) {
      await storage.createTrial({ params: all[i]!, startedAt: 0 });
      if (i < 40) await storage.updateTrial(i, { state: 'complete', value: value(all[i]!) });
    }
    for (const strategy of [exhaustive(), grid()]) {
      const copy = memoryStorage();
      for (const t of await storage.getTrials()) {
        await copy.createTrial(t);
        if (t.state === 'complete')
          await copy.updateTrial(t.number, { state: 'complete', value: t.value! });
      }
      const study = createStudy({ space, strategy, storage: copy });
      const { stale } = await study.load();
      expect(stale).toEqual([40]);
      const { reason } = await study.optimize((c) => value(c));
      expect(reason).toBe('exhausted');
      expect(study.counts).toEqual({ running: 0, complete: 64, failed: 1, pruned: 0 });
      const retry = study.trials.at(-1)!;
      expect(keyOf(retry.params)).toBe(keyOf(all[40]!));
      expect(study.trials[40]!.error).toBe(STALE_TRIAL_ERROR);
    }
  });

  it('retries a configuration whose objective failed once by default, `retries` times in all, after every other one', async () => {
    const space = createSpace(seedGrid);
    const bad = { lr: 0.01, batch: 64, hidden: 128 };
    const run = async (strategy: Strategy) => {
      const study = createStudy({ space, strategy });
      await study.optimize(
        (c) => {
          if (keyOf(c) === keyOf(bad)) throw new Error('out of memory');
          return value(c);
        },
        { concurrency: 3 },
      );
      return study;
    };
    for (const [retries, tries] of [
      [undefined, 2],
      [0, 1],
      [3, 4],
    ] as const) {
      const study = await run(
        grid(retries === undefined ? { resolution: 2 } : { resolution: 2, retries }),
      );
      const ofBad = study.trials.filter((t) => keyOf(t.params) === keyOf(bad));
      expect(ofBad.map((t) => t.state)).toEqual(Array(tries).fill('failed'));
      expect(study.counts.complete).toBe(63);
      // Retries come after the first pass over the grid.
      expect(ofBad.slice(1).every((t) => t.number >= 64)).toBe(true);
    }
  });

  it('a configuration that succeeds on its retry is not tried again', async () => {
    const space = createSpace(seedGrid);
    const seen = new Map<string, number>();
    const study = createStudy({ space, strategy: exhaustive({ shuffle: true, seed: 3 }) });
    await study.optimize(
      (c) => {
        const n = (seen.get(keyOf(c)) ?? 0) + 1;
        seen.set(keyOf(c), n);
        if (n === 1 && (c.hidden === 64 || c.hidden === 512)) return Number.NaN;
        return value(c);
      },
      { concurrency: 2 },
    );
    expect(study.counts).toEqual({ running: 0, complete: 64, failed: 32, pruned: 0 });
    expect([...seen.values()].filter((n) => n === 2)).toHaveLength(32);
  });

  it('rejects a bad retries option, naming it', () => {
    expect(() => grid({ retries: -1 })).toThrow('grid: retries (-1) must be an integer ≥ 0');
    expect(() => exhaustive({ retries: 1.5 })).toThrow(
      'exhaustive: retries (1.5) must be an integer ≥ 0',
    );
  });
});
