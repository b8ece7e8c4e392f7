import type { SpaceJSON } from '@webtune/space';
import type { FrozenTrial, OpenStudy, Storage } from '../types.js';

/*
 * The storage conformance suite, free of any test framework so it also runs in a browser page
 * (indexedDBStorage under Playwright). `describeStorageConformance` in ./index.ts runs it under
 * Vitest.
 */

/** How the suite makes the storages it tests. */
export interface StorageFixture {
  /** A place no study is stored in yet: a new journal path, database name or study name. */
  fresh(): string | Promise<string>;
  /** A storage on the study at `place`; each call a new one (a new connection, for a database). */
  open(place: string): Storage;
  /**
   * Whether storages opened on one place may write at once (their trial numbers, finishes and
   * `maxTrials` checks stay exact). Default false.
   */
  writers?: boolean;
  /** Whether a storage opened again on a place reads what earlier ones wrote there. Default true. */
  persistent?: boolean;
}

/** One test of the suite. `run` throws (an Error saying what differs) when the storage fails it. */
export interface StorageCase {
  name: string;
  run(): Promise<void>;
}

const SPACE: SpaceJSON = {
  x: { type: 'float', low: -5, high: 5 },
  opt: { type: 'categorical', choices: ['adam', 'sgd'] },
};

const meta = (place: string, more: Partial<OpenStudy> = {}): OpenStudy => ({
  direction: 'minimize',
  space: SPACE,
  strategy: 'conformance',
  seed: 0,
  name: place,
  ...more,
});

/** JSON with sorted object keys (undefined ones left out), so equal values compare equal whatever their key order. */
function stable(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(stable).join(',')}]`;
  if (typeof x === 'object' && x !== null) {
    return `{${Object.keys(x)
      .filter((k) => (x as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x) ?? String(x);
}

function equal(actual: unknown, expected: unknown, what: string): void {
  const a = stable(actual);
  const e = stable(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** The error `p` rejects with; throws when it resolves. */
async function rejection(p: Promise<unknown>, what: string): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${what}: expected it to throw, it resolved`);
}

const brief = (t: FrozenTrial | undefined) =>
  t === undefined
    ? undefined
    : {
        number: t.number,
        state: t.state,
        value: t.value,
        error: t.error,
        intermediate: t.intermediate,
        userAttrs: t.userAttrs,
        retryOf: t.retryOf,
      };

const params = (i: number) => ({ x: (i % 10) - 4.5, opt: i % 2 === 0 ? 'adam' : 'sgd' });

/** Opens a study at a fresh place, runs `body`, closes what it opened. */
async function withStudy(
  fixture: StorageFixture,
  body: (storage: Storage, place: string) => Promise<void>,
): Promise<void> {
  const place = await fixture.fresh();
  const storage = fixture.open(place);
  try {
    await storage.openStudy?.(meta(place));
    await body(storage, place);
  } finally {
    await storage.close?.();
  }
}

/** Storages on one place, opened (and closed after `body`). */
async function withWriters(
  fixture: StorageFixture,
  place: string,
  n: number,
  body: (storages: Storage[]) => Promise<void>,
): Promise<void> {
  const storages = Array.from({ length: n }, () => fixture.open(place));
  try {
    await Promise.all(storages.map((s) => s.openStudy?.(meta(place))));
    await body(storages);
  } finally {
    await Promise.all(storages.map((s) => s.close?.()));
  }
}

/** The cases that apply to storages made by `fixture`. */
export function storageCases(fixture: StorageFixture): StorageCase[] {
  const cases: StorageCase[] = [
    {
      name: 'numbers new trials 0, 1, 2… and returns each as stored: running, nothing reported',
      run: () =>
        withStudy(fixture, async (s) => {
          const made: FrozenTrial[] = [];
          for (let i = 0; i < 3; i++) {
            const t = await s.createTrial({ params: params(i), startedAt: 1000 + i });
            check(t !== undefined, `createTrial ${i} resolved to undefined without maxTrials`);
            made.push(t!);
          }
          equal(
            made.map((t) => [
              t.number,
              t.state,
              t.params,
              t.startedAt,
              t.intermediate,
              t.userAttrs,
            ]),
            [0, 1, 2].map((i) => [i, 'running', params(i), 1000 + i, [], {}]),
            'created trials',
          );
          equal(await s.getTrials(), made, 'getTrials()');
        }),
    },
    {
      name: 'writes reports and attributes as rows: report order kept, a step keeps its first value',
      run: () =>
        withStudy(fixture, async (s) => {
          await s.createTrial({ params: params(0), startedAt: 1 });
          await s.updateTrial(0, {
            intermediate: [
              { step: 0, value: 1 },
              { step: 5, value: 0.5 },
            ],
          });
          await s.updateTrial(0, {
            intermediate: [
              { step: 5, value: 9 },
              { step: 2, value: 0.25 },
            ],
          });
          await s.updateTrial(0, { userAttrs: { a: 1, nested: { b: [1, 'c'] } } });
          await s.updateTrial(0, { userAttrs: { a: 2 } });
          const [t] = await s.getTrials();
          equal(
            t?.intermediate,
            [
              { step: 0, value: 1 },
              { step: 5, value: 0.5 },
              { step: 2, value: 0.25 },
            ],
            'intermediate values',
          );
          equal(t?.userAttrs, { a: 2, nested: { b: [1, 'c'] } }, 'user attributes');
          equal(t?.state, 'running', 'state');
        }),
    },
    {
      name: 'finishes a running trial once: a late or duplicate change throws TrialFinishedError and writes nothing',
      run: () =>
        withStudy(fixture, async (s) => {
          await s.createTrial({ params: params(0), startedAt: 1 });
          await s.createTrial({ params: params(1), startedAt: 1 });
          await s.updateTrial(0, {
            intermediate: [{ step: 0, value: 3 }],
            state: 'complete',
            value: 2,
            durationMs: 5,
          });
          await s.updateTrial(1, { state: 'failed', error: 'boom', durationMs: 1 });
          for (const [n, change] of [
            [0, { state: 'failed', error: 'late' }],
            [0, { state: 'complete', value: 0 }],
            [0, { intermediate: [{ step: 1, value: 1 }] }],
            [1, { userAttrs: { k: 1 } }],
          ] as const) {
            const error = await rejection(s.updateTrial(n, change), `changing finished trial ${n}`);
            equal(error.name, 'TrialFinishedError', `error of a change to finished trial ${n}`);
            check(
              error.message.includes(`trial ${n} is already finished`),
              `the error names the trial: ${error.message}`,
            );
          }
          const stored = await s.getTrials();
          equal(
            stored.map(brief),
            [
              {
                number: 0,
                state: 'complete',
                value: 2,
                intermediate: [{ step: 0, value: 3 }],
                userAttrs: {},
              },
              { number: 1, state: 'failed', error: 'boom', intermediate: [], userAttrs: {} },
            ],
            'stored trials',
          );
          equal(stored[0]?.durationMs, 5, 'durationMs');
        }),
    },
    {
      name: 'refuses to change a trial it does not hold, naming its number',
      run: () =>
        withStudy(fixture, async (s) => {
          const error = await rejection(
            s.updateTrial(7, { state: 'complete', value: 1 }),
            'updateTrial(7)',
          );
          check(error.message.includes('7'), `the error names trial 7: ${error.message}`);
        }),
    },
    {
      name: 'reads only what changed: trials from a number on, and the ones asked for by number',
      run: () =>
        withStudy(fixture, async (s) => {
          for (let i = 0; i < 5; i++) await s.createTrial({ params: params(i), startedAt: i });
          await s.updateTrial(1, { state: 'complete', value: 1 });
          const read = await s.getTrials({ from: 3, numbers: [1, 4] });
          equal(
            read.map((t) => [t.number, t.state]),
            [
              [1, 'complete'],
              [3, 'running'],
              [4, 'running'],
            ],
            'getTrials({ from: 3, numbers: [1, 4] })',
          );
          equal(await s.getTrials({ from: 5 }), [], 'getTrials({ from: 5 })');
          equal(
            (await s.getTrials({ numbers: [2] })).map((t) => t.number),
            [2],
            'getTrials({ numbers: [2] })',
          );
        }),
    },
    {
      name: 'maxTrials refuses a trial past the budget; retries of failed trials are not counted',
      run: () =>
        withStudy(fixture, async (s) => {
          const at = { maxTrials: 2 };
          equal((await s.createTrial({ params: params(0), startedAt: 0 }, at))?.number, 0, '1st');
          equal((await s.createTrial({ params: params(1), startedAt: 0 }, at))?.number, 1, '2nd');
          equal(await s.createTrial({ params: params(2), startedAt: 0 }, at), undefined, '3rd');
          await s.updateTrial(1, { state: 'failed', error: 'stale' });
          const retry = await s.createTrial({ params: params(1), startedAt: 0, retryOf: 1 }, at);
          equal([retry?.number, retry?.retryOf], [2, 1], 'the retry of trial 1');
          equal(await s.createTrial({ params: params(3), startedAt: 0 }, at), undefined, '4th');
          const more = await s.createTrial({ params: params(3), startedAt: 0 }, { maxTrials: 3 });
          equal(more?.number, 3, 'a trial under a larger budget');
          equal(
            (await s.getTrials()).map((t) => [t.number, t.retryOf]),
            [
              [0, undefined],
              [1, undefined],
              [2, 1],
              [3, undefined],
            ],
            'stored trials and their retryOf',
          );
        }),
    },
  ];
  if (fixture.persistent ?? true) {
    cases.push({
      name: 'a storage opened again reads the study back, and checks direction, space and loadIfExists',
      run: async () => {
        const place = await fixture.fresh();
        let written: FrozenTrial[] = [];
        await withWriters(fixture, place, 1, async ([s]) => {
          await s!.createTrial({ params: params(0), startedAt: 1 });
          await s!.updateTrial(0, {
            intermediate: [{ step: 0, value: 1 }],
            userAttrs: { k: 'v' },
            state: 'complete',
            value: 1,
            durationMs: 2,
          });
          await s!.createTrial({ params: params(1), startedAt: 2 });
          written = await s!.getTrials();
        });
        const again = fixture.open(place);
        try {
          await again.openStudy?.(meta(place));
          equal(await again.getTrials(), written, 'trials read back');
          equal(
            (await again.createTrial({ params: params(2), startedAt: 3 }))?.number,
            2,
            'the next number',
          );
          if (again.openStudy !== undefined) {
            const direction = await rejection(
              again.openStudy(meta(place, { direction: 'maximize' })),
              'openStudy with another direction',
            );
            check(
              direction.message.includes('"minimize"') && direction.message.includes('"maximize"'),
              `the error names both directions: ${direction.message}`,
            );
            const space = await rejection(
              again.openStudy(meta(place, { space: { x: SPACE.x! } })),
              'openStudy with another space',
            );
            check(
              space.message.includes('different space') && space.message.includes('opt'),
              `the error names the parameter that differs: ${space.message}`,
            );
            const exists = await rejection(
              again.openStudy(meta(place, { loadIfExists: false })),
              'openStudy with loadIfExists: false',
            );
            equal(exists.name, 'StudyExistsError', 'error of loadIfExists: false');
          }
        } finally {
          await again.close?.();
        }
      },
    });
  }
  if (fixture.writers) {
    cases.push(
      {
        name: '4 writers creating 25 trials each at once: 100 trials numbered 0…99, none lost or duplicated',
        run: async () => {
          const place = await fixture.fresh();
          await withWriters(fixture, place, 4, async (storages) => {
            const made = await Promise.all(
              storages.map(async (s, w) => {
                const numbers: number[] = [];
                for (let i = 0; i < 25; i++) {
                  const t = await s.createTrial({ params: params(w * 25 + i), startedAt: i });
                  await s.updateTrial(t!.number, { state: 'complete', value: w * 25 + i });
                  numbers.push(t!.number);
                }
                return numbers;
              }),
            );
            const all = made.flat().sort((a, b) => a - b);
            equal(
              all,
              Array.from({ length: 100 }, (_, i) => i),
              'numbers the writers got',
            );
            const stored = await storages[0]!.getTrials();
            equal(stored.length, 100, 'stored trials');
            const values = stored.map((t) => t.value).sort((a, b) => a! - b!);
            equal(
              values,
              Array.from({ length: 100 }, (_, i) => i),
              'stored values',
            );
          });
        },
      },
      {
        name: 'two writers racing to finish one trial: exactly one wins, the other changes nothing',
        run: async () => {
          const place = await fixture.fresh();
          await withWriters(fixture, place, 2, async ([a, b]) => {
            for (let round = 0; round < 10; round++) {
              const t = await a!.createTrial({ params: params(round), startedAt: round });
              const outcomes = await Promise.allSettled([
                a!.updateTrial(t!.number, { state: 'complete', value: round, durationMs: 1 }),
                b!.updateTrial(t!.number, { state: 'failed', error: 'stale', durationMs: 2 }),
              ]);
              const won = outcomes.map((o) => o.status === 'fulfilled');
              check(won.filter(Boolean).length === 1, `round ${round}: winners ${won}`);
              const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
              equal((lost.reason as Error).name, 'TrialFinishedError', `round ${round}: loser`);
              const [stored] = await b!.getTrials({ numbers: [t!.number], from: t!.number + 1 });
              equal(
                [stored?.state, stored?.durationMs],
                won[0] ? ['complete', 1] : ['failed', 2],
                `round ${round}: stored outcome`,
              );
            }
          });
        },
      },
      {
        name: 'maxTrials with 4 writers at once: exactly that many trials',
        run: async () => {
          const place = await fixture.fresh();
          await withWriters(fixture, place, 4, async (storages) => {
            const made = await Promise.all(
              storages.map(async (s) => {
                let n = 0;
                while (await s.createTrial({ params: params(n), startedAt: 0 }, { maxTrials: 30 }))
                  n++;
                return n;
              }),
            );
            equal(
              made.reduce((a, b) => a + b, 0),
              30,
              'trials created by the writers together',
            );
            equal((await storages[0]!.getTrials()).length, 30, 'stored trials');
          });
        },
      },
    );
  }
  return cases;
}
