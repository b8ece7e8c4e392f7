import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { storageCases } from '@webtune/core/testing/cases';
import { usePage } from './harness.js';
import type { api } from './storage-page/main.js';

/*
 * indexedDBStorage (@webtune/core/browser) on Chromium's real IndexedDB: studies written, read
 * back, resumed after a page reload, stale running trials, metadata checks, concurrent trials.
 * Needs the packages built (npm run build): the page imports them by name.
 */

const here = dirname(fileURLToPath(import.meta.url));

const page = usePage(join(here, 'storage-page'));

type Api = typeof api;
declare const webtune: Api;

const space = {
  x: { type: 'float', low: -5, high: 5 },
  opt: { type: 'categorical', choices: ['adam', 'sgd'] },
} as const;

// The storage conformance suite every storage passes (@webtune/core/testing), on Chromium's
// IndexedDB. The names come from the same module the page runs.
const names = storageCases({ fresh: () => '', open: () => ({}) as never, writers: true }).map(
  (c) => c.name,
);
for (const name of names) {
  test(`conformance: ${name}`, async () => {
    await page().evaluate((name) => webtune.runStorageCase(name), name);
  });
}

test('writes trials, reads them back after a reload and resumes as an uninterrupted run would', async () => {
  const first = await page().evaluate(async (space) => {
    const storage = webtune.indexedDBStorage('resume');
    const study = webtune.createStudy({ space, strategy: webtune.random(), seed: 3, storage });
    await study.optimize(
      (p, trial) => {
        trial.report(0, 1);
        trial.setUserAttr('tag', { a: [1, 'b'] });
        return p.x as number;
      },
      { trials: 4 },
    );
    storage.close();
    return study.trials;
  }, space);
  expect(first.map((t) => [t.number, t.state, t.userAttrs.tag])).toEqual([
    [0, 'complete', { a: [1, 'b'] }],
    [1, 'complete', { a: [1, 'b'] }],
    [2, 'complete', { a: [1, 'b'] }],
    [3, 'complete', { a: [1, 'b'] }],
  ]);

  await page().reload();
  await page().waitForFunction(() => 'webtune' in globalThis);
  const { loaded, resumed, whole } = await page().evaluate(async (space) => {
    const storage = webtune.indexedDBStorage('resume');
    const study = webtune.createStudy({ space, strategy: webtune.random(), seed: 3, storage });
    const loaded = (await study.load()).trials;
    await study.optimize((p) => p.x as number, { trials: 3 });
    const resumed = await storage.getTrials();
    storage.close();
    const uninterrupted = webtune.createStudy({ space, strategy: webtune.random(), seed: 3 });
    await uninterrupted.optimize((p) => p.x as number, { trials: 7 });
    return { loaded, resumed, whole: uninterrupted.trials };
  }, space);
  expect(loaded).toEqual(first);
  expect(resumed.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(resumed.map((t) => t.params)).toEqual(whole.map((t) => t.params));
});

test('fails the trials a closed tab left running, with the reason', async () => {
  const out = await page().evaluate(async (space) => {
    const storage = webtune.indexedDBStorage('stale');
    const study = webtune.createStudy({ space, strategy: webtune.random(), storage });
    await study.tell((await study.ask())!, 1);
    await study.ask();
    storage.close();
    const again = webtune.indexedDBStorage('stale');
    const resumed = webtune.createStudy({ space, strategy: webtune.random(), storage: again });
    const { stale } = await resumed.load();
    const stored = await again.getTrials();
    again.close();
    return { stale, stored, reason: webtune.STALE_TRIAL_ERROR };
  }, space);
  expect(out.stale).toEqual([1]);
  expect(out.stored.map((t) => [t.state, t.error])).toEqual([
    ['complete', undefined],
    ['failed', out.reason],
  ]);
});

test('refuses to resume another direction or space, naming both; guards its contract', async () => {
  const errors = await page().evaluate(async (space) => {
    const message = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: Error) => e.message,
      );
    const storage = webtune.indexedDBStorage('meta');
    await webtune
      .createStudy({ space, strategy: webtune.random(), storage })
      .optimize((p) => p.x as number, { trials: 1 });
    const trial = (await storage.getTrials())[0]!;
    const other = { ...space, x: { type: 'float', low: -5, high: 6 } } as const;
    const out = [
      await message(
        webtune
          .createStudy({ space, strategy: webtune.random(), storage, direction: 'maximize' })
          .load(),
      ),
      await message(
        webtune.createStudy({ space: other, strategy: webtune.random(), storage }).load(),
      ),
      await message(storage.updateTrial(trial.number, { state: 'failed', error: 'late' })),
      await message(storage.updateTrial(7, { state: 'failed', error: 'x' })),
    ];
    storage.close();
    return out;
  }, space);
  expect(errors).toEqual([
    'indexedDBStorage: database "meta" holds a study with direction "minimize", but this study\'s direction is "maximize"',
    expect.stringContaining(
      'indexedDBStorage: database "meta" holds a study with a different space (x is {"type":"float","low":-5,"high":5} there, {"type":"float","low":-5,"high":6} here)',
    ),
    'indexedDBStorage: database "meta": trial 0 is already finished (complete); nothing was written',
    'indexedDBStorage: database "meta": no trial 7 to update',
  ]);
});

test('with 4 trials in flight every trial is stored once, finished', async () => {
  const out = await page().evaluate(async (space) => {
    const storage = webtune.indexedDBStorage('concurrent');
    const study = webtune.createStudy({ space, strategy: webtune.random(), seed: 1, storage });
    let k = 0;
    await study.optimize(
      async (p) => {
        await new Promise((r) => setTimeout(r, (k++ * 7) % 5));
        return p.x as number;
      },
      { trials: 12, concurrency: 4 },
    );
    storage.close();
    const again = webtune.indexedDBStorage('concurrent');
    const stored = await again.getTrials();
    again.close();
    return { stored, trials: study.trials };
  }, space);
  expect(out.stored.map((t) => `${t.number} ${t.state}`)).toEqual(
    Array.from({ length: 12 }, (_, i) => `${i} complete`),
  );
  expect(out.stored).toEqual(out.trials);
});
