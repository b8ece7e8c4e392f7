import { type Config, createSpace, SpaceError, type SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { TrialPruned } from './errors.js';
import { medianPruner } from './pruners.js';
import { createRng } from './rng.js';
import { memoryStorage } from './storage.js';
import {
  createStudy,
  parseStudyJSON,
  STALE_TRIAL_ERROR,
  toStudyCSV,
  toStudyJSON,
} from './study.js';
import type { FrozenTrial, Storage, Strategy, StudyMeta, SuggestContext } from './types.js';

const spaceJSON: SpaceJSON = {
  x: { type: 'float', low: -5, high: 5 },
  opt: { type: 'categorical', choices: ['adam', 'sgd'] },
  m: { type: 'float', low: 0, high: 0.9, step: 0.1, when: { opt: ['sgd'] } },
};

/** A trivial seeded strategy for tests: space.sample from a stream per trial number. */
function sampler(log: SuggestContext[] = []): Strategy {
  return {
    name: 'test-sampler',
    async suggest(context) {
      log.push({ ...context, trials: [...context.trials] });
      const n = context.trials.length;
      return Array.from({ length: context.count }, (_, i) =>
        context.space.sample(createRng(context.seed).fork(n + i)),
      );
    },
  };
}

/** A finite strategy: walks a fixed list once (finite: true). */
function listOf(configs: Config[]): Strategy {
  let i = 0;
  return {
    name: 'test-list',
    finite: true,
    async suggest({ count }) {
      const out = configs.slice(i, i + count);
      i += out.length;
      return out;
    },
  };
}

/**
 * A stateful strategy: one seeded stream, drawn before answering, so a suggestion that got lost
 * would shift every later one. Its `wait.call`-th call (1-based) answers only once `wait.until`
 * settles, ignoring its signal, as a long model fit that cannot stop would.
 */
function stream(wait?: { call: number; until: Promise<void> }) {
  const rng = createRng(7);
  const contexts: SuggestContext[] = [];
  const strategy: Strategy = {
    name: 'stream',
    async suggest(ctx) {
      contexts.push(ctx);
      const out = Array.from({ length: ctx.count }, () => ctx.space.sample(rng));
      if (contexts.length === wait?.call) await wait.until;
      return out;
    },
  };
  return { strategy, contexts };
}

/** A promise the test settles by hand. */
function gate() {
  let open!: () => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const x = (c: Config) => c.x as number;
const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ask / tell', () => {
  it('asks the strategy, records values and refuses a second tell', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler(), seed: 3 });
    const t = await study.ask();
    expect(t?.number).toBe(0);
    expect(study.space.contains(t!.params)).toBe(true);
    expect(study.trials[0]?.state).toBe('running');
    const done = await study.tell(t!, 1.5);
    expect(done).toMatchObject({ number: 0, state: 'complete', value: 1.5 });
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    await expect(study.tell(t!, 2)).rejects.toThrow('tell: trial 0 is already finished (complete)');
    await expect(study.tell(7, 2)).rejects.toThrow('tell: no trial 7 in this study');
    await expect(study.tell((await study.ask())!, 'x' as never)).rejects.toThrow(
      `tell: value ("x") must be a number, { state: 'failed', error } or { state: 'pruned' }`,
    );
  });

  it('non-finite values fail the trial with the reason', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    const results = [];
    for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      results.push(await study.tell((await study.ask())!, v));
    }
    expect(results.map((r) => [r.state, r.error, r.value])).toEqual([
      ['failed', 'objective returned NaN', undefined],
      ['failed', 'objective returned Infinity', undefined],
      ['failed', 'objective returned -Infinity', undefined],
    ]);
    const f = await study.tell((await study.ask())!, { state: 'failed', error: 'OOM' });
    expect(f).toMatchObject({ state: 'failed', error: 'OOM' });
    expect(study.bestTrial).toBeUndefined();
    expect(study.bestValue).toBeUndefined();
  });

  it('a pruned trial keeps its last intermediate value', async () => {
    const warnings: string[] = [];
    const study = createStudy({
      space: spaceJSON,
      strategy: sampler(),
      onWarning: (m) => warnings.push(m),
    });
    const t = (await study.ask())!;
    t.report(0, 3);
    t.report(1, 2);
    t.report(1, 99); // a repeated step keeps its first value, as in Optuna, which warns too
    expect(study.trials[0]?.intermediate).toEqual([
      { step: 0, value: 3 },
      { step: 1, value: 2 },
    ]);
    expect(warnings).toEqual([
      'trial 0: step 1 was already reported (value 2); the value 99 reported again is ignored',
    ]);
    expect(() => t.report(2, Number.NaN)).toThrow(
      'trial 0: report value (NaN) at step 2 must be a finite number',
    );
    expect(() => t.report(-1, 1)).toThrow('trial 0: report step (-1) must be an integer >= 0');
    t.setUserAttr('note', 'slow');
    const p = await study.tell(t, { state: 'pruned' });
    expect(p).toMatchObject({ state: 'pruned', value: 2, userAttrs: { note: 'slow' } });
    expect(() => t.report(3, 1)).toThrow('trial 0: report after the trial finished (pruned)');
    const bare = await study.tell((await study.ask())!, { state: 'pruned' });
    expect(bare.value).toBeUndefined();
  });

  it('the strategy sees running trials as pending', async () => {
    const log: SuggestContext[] = [];
    const study = createStudy({ space: spaceJSON, strategy: sampler(log), seed: 9 });
    await study.ask();
    await study.ask();
    expect(log.map((c) => c.trials.map((t) => t.state))).toEqual([[], ['running']]);
    expect(log[1]).toMatchObject({ count: 1, seed: 9, direction: 'minimize' });
    expect(log[1]?.space).toBe(study.space);
  });

  it('the strategy gets the trials in place as `history`, and `trials` as a snapshot built only when read', async () => {
    const seen: { history: string[]; trials?: string[] }[] = [];
    let readTrials = false;
    const strategy: Strategy = {
      name: 'history-reader',
      async suggest(context) {
        const h = context.history!;
        const history = Array.from({ length: h.length }, (_, i) => h.at(i).state);
        seen.push(
          readTrials ? { history, trials: context.trials.map((t) => t.state) } : { history },
        );
        return [context.space.sample(createRng(0).fork(h.length))];
      },
    };
    const study = createStudy({ space: spaceJSON, strategy });
    const a = (await study.ask())!;
    await study.ask();
    await study.tell(a, 1);
    readTrials = true;
    await study.ask();
    expect(seen).toEqual([
      { history: [] },
      { history: ['running'] },
      { history: ['complete', 'running'], trials: ['complete', 'running'] },
    ]);
  });

  it('ask returns undefined once the strategy is exhausted', async () => {
    const study = createStudy({ space: spaceJSON, strategy: listOf([{ x: 1, opt: 'adam' }]) });
    expect((await study.ask())?.params).toEqual({ x: 1, opt: 'adam' });
    expect(await study.ask()).toBeUndefined();
    expect(await study.ask()).toBeUndefined();
  });

  it('a strategy suggesting a non-member is a clear error', async () => {
    const bad: Strategy = { name: 'bad', suggest: async () => [{ x: 7, opt: 'adam' }] };
    const study = createStudy({ space: spaceJSON, strategy: bad });
    await expect(study.ask()).rejects.toThrow(
      'strategy "bad" suggested a configuration outside the space: space.x: value 7 is out of range [-5, 5]',
    );
    expect(study.trials).toEqual([]);
  });
});

describe('enqueue', () => {
  it('runs enqueued configurations first, in order, with canonical key order', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    study.enqueue({ m: 0.3, opt: 'sgd', x: 0 });
    study.enqueue({ x: 1, opt: 'adam' });
    await study.optimize((p) => x(p), { trials: 3 });
    const params = study.trials.map((t) => t.params);
    expect(params[0]).toEqual({ x: 0, opt: 'sgd', m: 0.3 });
    expect(Object.keys(params[0]!)).toEqual(['x', 'opt', 'm']);
    expect(params[1]).toEqual({ x: 1, opt: 'adam' });
    expect(study.trials).toHaveLength(3);
  });

  it('rejects a configuration outside the space, naming the parameter', () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    expect(() => study.enqueue({ x: 0, opt: 'sgd', m: 0.35 })).toThrow(SpaceError);
    expect(() => study.enqueue({ x: 0, opt: 'sgd', m: 0.35 })).toThrow(
      'space.m: value 0.35 is not on the step grid (0, 0.1, … 0.9; step 0.1)',
    );
    expect(() => study.enqueue({ x: 0, opt: 'adam', m: 0.3 })).toThrow(
      'space.m: present (value 0.3) but inactive',
    );
  });

  it('enqueued configurations run even after the strategy is exhausted', async () => {
    const study = createStudy({ space: spaceJSON, strategy: listOf([]) });
    study.enqueue({ x: 2, opt: 'adam' });
    const r = await study.optimize((p) => x(p));
    expect(r).toEqual({ trials: 1, reason: 'exhausted' });
    expect(study.trials.map((t) => t.value)).toEqual([2]);
  });
});

describe('optimize', () => {
  it('fails trials whose objective throws or returns NaN, ±Infinity or a non-number, and goes on', async () => {
    const configs = [-4, -3, -2, -1, 0, 1, 2, 3, 4, 4.5, -4.5, -4.25, 3.5, 4.25].map((v) => ({
      x: v,
      opt: 'adam',
    }));
    const study = createStudy({ space: spaceJSON, strategy: listOf(configs) });
    const result = await study.optimize((p) => {
      switch (x(p)) {
        case -3:
          throw new Error('diverged');
        case -2:
          return Number.NaN;
        case -1:
          return Number.POSITIVE_INFINITY;
        case 0:
          return 'zero' as unknown as number;
        case 1:
          throw 'a string';
        case 4:
          return 5n as unknown as number;
        case 4.5:
          return new Number(5) as number;
        case -4.5:
          return undefined as unknown as number;
        case -4.25:
          throw { code: 'E_OOM', retry: false };
        case 3.5:
          throw { message: 'out of memory' };
        case 4.25:
          throw 42;
        default:
          return x(p) ** 2;
      }
    });
    expect(result).toEqual({ trials: 14, reason: 'exhausted' });
    expect(study.trials.map((t) => [t.state, t.error ?? t.value])).toEqual([
      ['complete', 16],
      ['failed', 'diverged'],
      ['failed', 'objective returned NaN'],
      ['failed', 'objective returned Infinity'],
      ['failed', 'objective returned "zero" (a string; expected a number)'],
      ['failed', 'a string'],
      ['complete', 4],
      ['complete', 9],
      ['failed', 'objective returned the bigint 5n; return a number (Number(value))'],
      [
        'failed',
        'objective returned a Number object (5), not a number; return the primitive (value.valueOf())',
      ],
      ['failed', 'objective returned undefined (expected a number): a missing return?'],
      ['failed', '{"code":"E_OOM","retry":false} (thrown: a plain object, not an Error)'],
      ['failed', 'out of memory'],
      ['failed', '42 (thrown: a number, not an Error)'],
    ]);
    expect(study.bestTrial?.params).toEqual({ x: 2, opt: 'adam' });
  });

  it('keeps `concurrency` objectives in flight and asks for the free slots', async () => {
    const log: SuggestContext[] = [];
    const study = createStudy({ space: spaceJSON, strategy: sampler(log) });
    let inFlight = 0;
    let maxInFlight = 0;
    await study.optimize(
      async (p) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        for (let i = 0; i < 3; i++) await tick();
        inFlight--;
        return x(p);
      },
      { trials: 10, concurrency: 4 },
    );
    expect(maxInFlight).toBe(4);
    expect(study.trials).toHaveLength(10);
    expect(study.trials.every((t) => t.state === 'complete')).toBe(true);
    expect(log[0]?.count).toBe(4);
    expect(log.reduce((s, c) => s + c.count, 0)).toBe(10);
    // later calls see the trials still running as pending
    expect(log.slice(1).some((c) => c.trials.some((t) => t.state === 'running'))).toBe(true);
    expect(log.at(-1)?.count).toBeLessThanOrEqual(2);
  });

  it('stops when a finite strategy is exhausted, with several in flight', async () => {
    const configs = [1, 2, 3, 4, 5].map((v) => ({ x: v, opt: 'adam' }));
    const study = createStudy({ space: spaceJSON, strategy: listOf(configs) });
    const r = await study.optimize(
      async (p) => {
        await tick();
        return x(p);
      },
      { concurrency: 2 },
    );
    expect(r).toEqual({ trials: 5, reason: 'exhausted' });
    expect(study.trials.map((t) => t.value)).toEqual([1, 2, 3, 4, 5]);
  });

  it('a finite strategy with nothing to suggest while trials run is asked again once they finish', async () => {
    // Suggests a configuration again if its trial failed: nothing while its only trial runs.
    const configs = [0, 1, 2].map((x) => ({ x, opt: 'adam' }));
    const tries = new Map<number, number>();
    const strategy: Strategy = {
      name: 'retry-once',
      finite: true,
      async suggest({ trials, count }) {
        const busy = new Set(trials.map((t) => t.params.x));
        const failedOnce = trials.filter(
          (t) =>
            t.state === 'failed' && trials.filter((u) => u.params.x === t.params.x).length === 1,
        );
        return [...configs.filter((c) => !busy.has(c.x)), ...failedOnce.map((t) => t.params)].slice(
          0,
          count,
        );
      },
    };
    const study = createStudy({ space: spaceJSON, strategy });
    const { reason } = await study.optimize(
      (c) => {
        const n = (tries.get(c.x as number) ?? 0) + 1;
        tries.set(c.x as number, n);
        if (c.x === 2 && n === 1) throw new Error('flaky');
        return c.x as number;
      },
      { concurrency: 3 },
    );
    expect(reason).toBe('exhausted');
    expect(study.trials.map((t) => `${t.params.x} ${t.state}`)).toEqual([
      '0 complete',
      '1 complete',
      '2 failed',
      '2 complete',
    ]);
  });

  it('refuses to run forever', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    await expect(study.optimize((p) => x(p))).rejects.toThrow(
      'optimize: give trials, studyTrials, timeoutMs or signal, or use a finite strategy',
    );
    await expect(study.optimize((p) => x(p), { concurrency: 0, trials: 1 })).rejects.toThrow(
      'optimize: concurrency (0) must be an integer >= 1',
    );
    await expect(study.optimize((p) => x(p), { trials: -1 })).rejects.toThrow(
      'optimize: trials (-1) must be an integer >= 0',
    );
    expect(study.trials).toEqual([]);
  });

  it('on timeout aborts the running trials; those that then throw are failed, not lost', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    const r = await study.optimize(
      (_p, trial) =>
        new Promise<number>((_resolve, reject) => {
          trial.signal.addEventListener('abort', () => reject(trial.signal.reason));
        }),
      { timeoutMs: 5, concurrency: 3 },
    );
    expect(r).toEqual({ trials: 3, reason: 'timeout' });
    expect(study.trials.map((t) => [t.state, t.error])).toEqual(
      new Array(3).fill(['failed', 'optimize: the timeout of 5 ms passed']),
    );
  });

  it("a timeout beyond setTimeout's 2^31 − 1 ms range (or Infinity) does not fire at once", async () => {
    for (const timeoutMs of [2 ** 31, 1e13, Number.POSITIVE_INFINITY]) {
      const study = createStudy({ space: spaceJSON, strategy: sampler() });
      const r = await study.optimize(
        async (p) => {
          await new Promise((resolve) => setTimeout(resolve, 15));
          return x(p);
        },
        { trials: 3, timeoutMs },
      );
      expect(r).toEqual({ trials: 3, reason: 'trials' });
      expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
    }
  });

  it('stops on abort; a trial that ignores its signal still completes', async () => {
    const controller = new AbortController();
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    let calls = 0;
    const r = await study.optimize(
      async (p, trial) => {
        calls++;
        if (calls === 3) controller.abort();
        await tick();
        expect(trial.signal.aborted).toBe(calls >= 3);
        return x(p);
      },
      { signal: controller.signal, concurrency: 1 },
    );
    expect(r).toEqual({ trials: 3, reason: 'aborted' });
    expect(study.trials.map((t) => t.error)).toEqual([undefined, undefined, undefined]);
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
    const again = await study.optimize((p) => x(p), { signal: controller.signal });
    expect(again).toEqual({ trials: 0, reason: 'aborted' });
  });

  it('suggestions that arrive after a stop are kept for the next ask, not lost', async () => {
    const controller = new AbortController();
    let calls = 0;
    const slow: Strategy = {
      name: 'slow',
      async suggest({ space, count, trials }) {
        calls++;
        if (trials.length === 2) {
          controller.abort();
          await tick();
        }
        return Array.from({ length: count }, (_, i) => space.sample(createRng(trials.length + i)));
      },
    };
    const study = createStudy({ space: spaceJSON, strategy: slow });
    const r = await study.optimize((p) => x(p), { signal: controller.signal });
    expect(r).toEqual({ trials: 2, reason: 'aborted' });
    expect(calls).toBe(3);
    const next = await study.ask();
    expect(calls).toBe(3); // served from the buffer
    expect(next?.params).toEqual(createSpace(spaceJSON).sample(createRng(2)));
  });

  it('a timeout does not wait for a slow suggestion; the suggestion serves the next run, as in an uninterrupted one', async () => {
    const slow = gate();
    const s = stream({ call: 3, until: slow.promise });
    let answered = false;
    void slow.promise.then(() => {
      answered = true;
    });
    const study = createStudy({ space: spaceJSON, strategy: s.strategy });
    const r = await study.optimize((p) => x(p), { timeoutMs: 100 });
    expect(answered).toBe(false); // optimize returned while the third suggestion was pending
    expect(r).toEqual({ trials: 2, reason: 'timeout' });
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete']);
    expect(s.contexts[2]?.signal?.aborted).toBe(true);
    expect(s.contexts[2]?.signal?.reason).toEqual(
      new Error('optimize: the timeout of 100 ms passed'),
    );
    slow.open();
    expect(await study.optimize((p) => x(p), { trials: 3 })).toEqual({
      trials: 3,
      reason: 'trials',
    });
    expect(s.contexts).toHaveLength(5); // trial 2 came from the buffer, not a sixth call
    const uninterrupted = createStudy({ space: spaceJSON, strategy: stream().strategy });
    await uninterrupted.optimize((p) => x(p), { trials: 5 });
    expect(study.trials.map((t) => t.params)).toEqual(uninterrupted.trials.map((t) => t.params));
  });

  it('a suggestion computed synchronously past the deadline starts no trial: it is kept for the next run', async () => {
    const s = stream();
    const blocking: Strategy = {
      name: 'blocking',
      suggest(ctx) {
        if (s.contexts.length === 1) {
          const until = performance.now() + 60; // holds the event loop: the timer cannot fire
          while (performance.now() < until);
        }
        return s.strategy.suggest(ctx);
      },
    };
    const study = createStudy({ space: spaceJSON, strategy: blocking });
    expect(await study.optimize((p) => x(p), { timeoutMs: 30 })).toEqual({
      trials: 1,
      reason: 'timeout',
    });
    expect(study.trials).toHaveLength(1);
    await study.optimize((p) => x(p), { trials: 2 });
    expect(s.contexts).toHaveLength(3);
    const uninterrupted = createStudy({ space: spaceJSON, strategy: stream().strategy });
    await uninterrupted.optimize((p) => x(p), { trials: 3 });
    expect(study.trials.map((t) => t.params)).toEqual(uninterrupted.trials.map((t) => t.params));
  });

  it('a timeout stops a run whose strategy and objective never yield to the event loop', async () => {
    // Everything resolves in microtasks, so the timer never gets to fire: the deadline is also
    // checked before each trial starts.
    const study = createStudy({ space: spaceJSON, strategy: stream().strategy });
    const r = await study.optimize((p) => x(p), { timeoutMs: 20 });
    expect(r.reason).toBe('timeout');
    expect(r.trials).toBeGreaterThan(0);
    expect(study.trials.every((t) => t.state === 'complete')).toBe(true);
  });

  it('a late suggestion that rejects is dropped without an unhandled rejection; the next ask asks again', async () => {
    const slow = gate();
    const s = stream({ call: 2, until: slow.promise });
    const study = createStudy({ space: spaceJSON, strategy: s.strategy });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const r = await study.optimize((p) => x(p), { timeoutMs: 100, concurrency: 1 });
      expect(r).toEqual({ trials: 1, reason: 'timeout' });
      slow.fail(new Error('fit diverged'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    const next = await study.ask();
    expect(s.contexts).toHaveLength(3);
    expect(next?.number).toBe(1);
  });

  it('a late suggestion outside the space is not dropped: the next ask throws it', async () => {
    const slow = gate();
    let calls = 0;
    const bad: Strategy = {
      name: 'bad',
      async suggest() {
        if (++calls === 1) await slow.promise;
        return [{ x: 99, opt: 'adam' }];
      },
    };
    const study = createStudy({ space: spaceJSON, strategy: bad });
    expect(await study.optimize((p) => x(p), { timeoutMs: 20 })).toEqual({
      trials: 0,
      reason: 'timeout',
    });
    slow.open();
    await expect(study.ask()).rejects.toThrow(
      'strategy "bad" suggested a configuration outside the space: space.x: value 99 is out of range [-5, 5]',
    );
    expect(calls).toBe(1);
  });

  it('the strategy gets a signal: never aborted for ask, aborted by the run signal, which it may honour', async () => {
    const controller = new AbortController();
    const contexts: SuggestContext[] = [];
    const honours: Strategy = {
      name: 'honours',
      suggest(ctx) {
        contexts.push(ctx);
        if (contexts.length < 3) return Promise.resolve([ctx.space.sample(createRng(0))]);
        setTimeout(() => controller.abort(new Error('user stop')), 10);
        return new Promise((_resolve, reject) => {
          ctx.signal?.addEventListener('abort', () => reject(ctx.signal?.reason));
        });
      },
    };
    const study = createStudy({ space: spaceJSON, strategy: honours });
    await study.tell((await study.ask())!, 1);
    expect(contexts[0]?.signal).toBeInstanceOf(AbortSignal);
    const r = await study.optimize((p) => x(p), { signal: controller.signal });
    expect(r).toEqual({ trials: 1, reason: 'aborted' });
    expect(contexts.map((c) => c.signal?.aborted)).toEqual([false, true, true]);
    expect(contexts[2]?.signal?.reason).toEqual(new Error('user stop'));
  });

  it('an ask while a late suggestion is pending waits for it instead of calling the strategy again', async () => {
    const slow = gate();
    const s = stream({ call: 1, until: slow.promise });
    const study = createStudy({ space: spaceJSON, strategy: s.strategy });
    expect(await study.optimize((p) => x(p), { timeoutMs: 20 })).toEqual({
      trials: 0,
      reason: 'timeout',
    });
    const next = study.ask();
    await tick();
    expect(s.contexts).toHaveLength(1);
    slow.open();
    expect((await next)?.params).toEqual(createSpace(spaceJSON).sample(createRng(7)));
    expect(s.contexts).toHaveLength(1);
  });

  it('records TrialPruned as pruned, and the median pruner prunes bad curves', async () => {
    const configs = [1, 2, 3, 4, 0.5, 5].map((v) => ({ x: v, opt: 'adam' }));
    const study = createStudy({
      space: spaceJSON,
      strategy: listOf(configs),
      pruner: medianPruner({ startupTrials: 3 }),
    });
    await study.optimize((p, trial) => {
      for (let step = 0; step < 5; step++) {
        trial.report(step, x(p) * (5 - step));
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return x(p);
    });
    expect(study.trials.map((t) => t.state)).toEqual([
      'complete',
      'complete',
      'complete',
      'pruned',
      'complete',
      'pruned',
    ]);
    expect(study.trials[3]).toMatchObject({ value: 4 * 5, intermediate: [{ step: 0, value: 20 }] });
    expect(study.bestValue).toBe(0.5);
  });

  it('calls onTrialComplete after each trial; its error stops the run after in-flight trials', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    const seen: number[] = [];
    await study.optimize((p) => x(p), {
      trials: 4,
      onTrialComplete: (t, s) => {
        expect(s).toBe(study);
        expect(t.state).toBe('complete');
        seen.push(t.number);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3]);
    await expect(
      study.optimize(
        async (p) => {
          await tick();
          return x(p);
        },
        {
          trials: 10,
          concurrency: 2,
          onTrialComplete: () => {
            throw new Error('callback broke');
          },
        },
      ),
    ).rejects.toThrow('callback broke');
    expect(study.trials.length).toBe(6);
    expect(study.trials.every((t) => t.state === 'complete')).toBe(true);
  });

  it('a strategy error stops the run and surfaces, running trials finish', async () => {
    let calls = 0;
    const flaky: Strategy = {
      name: 'flaky',
      async suggest(ctx) {
        if (++calls === 3) throw new Error('strategy broke');
        return Array.from({ length: ctx.count }, (_, i) =>
          ctx.space.sample(createRng(calls * 10 + i)),
        );
      },
    };
    const study = createStudy({ space: spaceJSON, strategy: flaky });
    await expect(
      study.optimize(
        async (p) => {
          await tick();
          return x(p);
        },
        { trials: 10, concurrency: 2 },
      ),
    ).rejects.toThrow('strategy broke');
    // call 1 gave 2 configs, call 2 one (one slot free), call 3 threw: 3 trials, all finished
    expect(study.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
  });

  it('is deterministic for a seed', async () => {
    const run = async (seed: number) => {
      const study = createStudy({ space: spaceJSON, strategy: sampler(), seed });
      await study.optimize(
        async (p) => {
          await tick();
          return x(p) ** 2;
        },
        { trials: 12, concurrency: 3 },
      );
      return study.trials.map((t) => t.params);
    };
    const a = await run(1);
    expect(await run(1)).toEqual(a);
    expect(await run(2)).not.toEqual(a);
  });
});

describe('best trial, JSON and CSV', () => {
  it('bestTrial follows the direction, earliest on ties, complete trials only', async () => {
    for (const direction of ['minimize', 'maximize'] as const) {
      const study = createStudy({ space: spaceJSON, strategy: sampler(), direction });
      for (const v of [3, 1, 5, 1, 5]) await study.tell((await study.ask())!, v);
      const pruned = (await study.ask())!;
      pruned.report(0, direction === 'minimize' ? -100 : 100);
      await study.tell(pruned, { state: 'pruned' });
      expect(study.bestTrial?.number).toBe(direction === 'minimize' ? 1 : 2);
      expect(study.bestValue).toBe(direction === 'minimize' ? 1 : 5);
      expect(study.direction).toBe(direction);
    }
  });

  it('counts and bestTrial are kept as trials change, and agree with the trials', async () => {
    for (const direction of ['minimize', 'maximize'] as const) {
      const storage = memoryStorage();
      const first = createStudy({ space: spaceJSON, strategy: sampler(), direction, storage });
      for (const v of [4, 2, 6]) await first.tell((await first.ask())!, v);
      await first.ask(); // left running: stale on resume
      const study = createStudy({ space: spaceJSON, strategy: sampler(), direction, storage });
      await study.load();
      const expected = () => {
        const counts = { running: 0, complete: 0, failed: 0, pruned: 0 };
        for (const t of study.trials) counts[t.state]++;
        const complete = study.trials.filter((t) => t.state === 'complete');
        const values = complete.map((t) => t.value!);
        const v = direction === 'minimize' ? Math.min(...values) : Math.max(...values);
        return { counts, best: complete.find((t) => t.value === v) };
      };
      expect(study.counts).toEqual(expected().counts);
      expect(study.bestTrial).toBe(expected().best);
      const outcomes = [2, Number.NaN, 6, { state: 'pruned' as const }, 1, 7];
      const running = [];
      for (const o of outcomes) running.push([(await study.ask())!, o] as const);
      expect(study.counts).toEqual(expected().counts);
      for (const [t, o] of running) {
        t.setUserAttr('tag', t.number);
        await study.tell(t, o);
        expect(study.counts).toEqual(expected().counts);
        expect(study.bestTrial).toBe(expected().best);
      }
      expect(study.counts).toEqual({ running: 0, complete: 7, failed: 2, pruned: 1 });
      expect(study.bestValue).toBe(direction === 'minimize' ? 1 : 7);
    }
  });

  it('toJSON has the documented shape', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler(), seed: 4 });
    study.enqueue({ x: 1, opt: 'sgd', m: 0.2 });
    study.enqueue({ x: 2, opt: 'adam' });
    study.enqueue({ x: 3, opt: 'adam' });
    await study.optimize(
      (p, trial) => {
        if (x(p) === 2) throw new Error('bad');
        trial.report(0, 10);
        trial.setUserAttr('epochs', 1);
        return x(p);
      },
      { trials: 3 },
    );
    const running = await study.ask();
    const json = JSON.parse(JSON.stringify(study.toJSON()));
    expect(json).toEqual({
      direction: 'minimize',
      strategy: 'test-sampler',
      seed: 4,
      space: spaceJSON,
      trials: [
        {
          number: 0,
          params: { x: 1, opt: 'sgd', m: 0.2 },
          value: 1,
          state: 'complete',
          intermediate: [{ step: 0, value: 10 }],
          userAttrs: { epochs: 1 },
          startedAt: expect.any(Number),
          durationMs: expect.any(Number),
        },
        {
          number: 1,
          params: { x: 2, opt: 'adam' },
          value: null,
          state: 'failed',
          error: 'bad',
          startedAt: expect.any(Number),
          durationMs: expect.any(Number),
        },
        expect.objectContaining({ number: 2, value: 3, state: 'complete' }),
        {
          number: 3,
          params: running!.params,
          value: null,
          state: 'running',
          startedAt: expect.any(Number),
          durationMs: null,
        },
      ],
      best: { number: 0, params: { x: 1, opt: 'sgd', m: 0.2 }, value: 1 },
    });
    expect(Math.abs(json.trials[0].startedAt - Date.now())).toBeLessThan(60_000);
  });

  it('toCSV quotes per RFC 4180 and leaves inactive params empty', async () => {
    const study = createStudy({
      space: { ...spaceJSON, tag: { type: 'categorical', choices: ['a,b', 'say "hi"', 'plain'] } },
      strategy: listOf([
        { x: 1, opt: 'sgd', m: 0.5, tag: 'a,b' },
        { x: -2, opt: 'adam', tag: 'say "hi"' },
      ]),
    });
    await study.optimize((p) => {
      if (x(p) < 0) throw new Error('line one,\nline two');
      return 0.25;
    });
    const csv = study.toCSV();
    const lines = csv.split('\n');
    expect(lines[0]).toBe('number,state,value,x,opt,m,tag,durationMs,error');
    expect(lines[1]).toMatch(/^0,complete,0\.25,1,sgd,0\.5,"a,b",\d+(\.\d+)?,$/);
    expect(csv).toMatch(/\n1,failed,,-2,adam,,"say ""hi""",\d+(\.\d+)?,"line one,\nline two"\n$/);
  });
});

describe('study JSON outside a study', () => {
  async function finished() {
    const study = createStudy({ space: spaceJSON, strategy: sampler(), seed: 4 });
    study.enqueue({ x: 1, opt: 'sgd', m: 0.2 });
    await study.optimize(
      (p, trial) => {
        if (x(p) > 2) throw new Error('bad');
        trial.report(0, 10);
        trial.setUserAttr('epochs', 1);
        return x(p);
      },
      { trials: 6 },
    );
    await study.ask(); // one left running
    return study;
  }

  it('parseStudyJSON reads back what toJSON wrote; toStudyJSON and toStudyCSV give it back', async () => {
    const study = await finished();
    const json = JSON.parse(JSON.stringify(study.toJSON()));
    const { meta, trials } = parseStudyJSON(json);
    expect(meta).toEqual({
      direction: 'minimize',
      strategy: 'test-sampler',
      seed: 4,
      space: spaceJSON,
    });
    expect(trials).toEqual(study.trials);
    expect(Object.isFrozen(trials[0]?.params)).toBe(true);
    expect(toStudyJSON(meta, [...trials].reverse())).toEqual(json);
    expect(toStudyCSV(meta.space, trials)).toBe(study.toCSV());
  });

  it('parseStudyJSON names what is wrong', () => {
    const ok = { direction: 'minimize', strategy: 's', seed: 0, space: spaceJSON, trials: [] };
    const trial = {
      number: 0,
      params: { x: 1, opt: 'adam' },
      state: 'complete',
      value: 1,
      startedAt: 0,
      durationMs: 1,
    };
    expect(parseStudyJSON(ok)).toEqual({
      meta: { direction: 'minimize', strategy: 's', seed: 0, space: spaceJSON },
      trials: [],
    });
    const cases: [unknown, string][] = [
      [[1], 'a study JSON is an object, not [1]'],
      [{ ...ok, direction: 'up' }, 'study direction ("up") is not minimize or maximize'],
      [{ ...ok, trials: undefined }, 'trials (undefined) is not an array'],
      [{ ...ok, space: { x: { type: 'float', low: 1, high: 0 } } }, 'space.x'],
      [
        { ...ok, trials: [trial, { ...trial, number: 1, state: 'done' }] },
        'trials[1]: trial 1: state ("done") is not running | complete | failed | pruned',
      ],
      [{ ...ok, trials: [7] }, 'trials[0]: the trial is not an object'],
    ];
    for (const [json, message] of cases) expect(() => parseStudyJSON(json)).toThrow(message);
  });
});

describe('storage', () => {
  it('writes every change through the storage, in order', async () => {
    const inner = memoryStorage();
    const calls: string[] = [];
    const storage: Storage = {
      async createTrial(t, options) {
        const created = await inner.createTrial(t, options);
        calls.push(`create ${created?.number} ${created?.state}`);
        return created;
      },
      async updateTrial(n, change) {
        calls.push(`update ${n} ${change.state ?? 'running'} ${change.intermediate?.length ?? 0}`);
        await inner.updateTrial(n, change);
      },
      getTrials: (options) => inner.getTrials(options),
    };
    const study = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await study.optimize(
      (p, trial) => {
        trial.report(0, 1);
        trial.report(1, 0.5);
        return x(p);
      },
      { trials: 2 },
    );
    // Reports made while an earlier write of the trial waits are written as one.
    expect(calls).toEqual([
      'create 0 running',
      'update 0 running 2',
      'update 0 complete 0',
      'create 1 running',
      'update 1 running 2',
      'update 1 complete 0',
    ]);
    expect(await inner.getTrials()).toEqual(study.trials);
  });

  it('a load retried after a failed stale-trial write writes the failure then', async () => {
    const inner = memoryStorage();
    await createStudy({ space: spaceJSON, strategy: sampler(), storage: inner }).ask();
    let failures = 1;
    const storage: Storage = {
      createTrial: (t, options) => inner.createTrial(t, options),
      async updateTrial(n, change) {
        if (failures-- > 0) throw new Error('disk full');
        await inner.updateTrial(n, change);
      },
      getTrials: (options) => inner.getTrials(options),
    };
    const study = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await expect(study.load()).rejects.toThrow('storage: disk full');
    expect((await inner.getTrials())[0]?.state).toBe('running');
    expect((await study.load()).stale).toEqual([0]);
    expect((await inner.getTrials()).map((t) => [t.state, t.error])).toEqual([
      ['failed', STALE_TRIAL_ERROR],
    ]);
    expect(await inner.getTrials()).toEqual(study.trials);
  });

  it('a new study on the same storage adopts its trials and numbers on', async () => {
    const storage = memoryStorage();
    const first = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await first.optimize((p) => x(p), { trials: 3 });
    const second = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await second.optimize((p) => x(p), { trials: 2 });
    expect(second.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(second.trials.slice(0, 3)).toEqual(first.trials);
  });

  it('a storage failure surfaces as an error naming the storage', async () => {
    const storage: Storage = {
      createTrial: async () => {
        throw new Error('disk full');
      },
      updateTrial: async () => {},
      getTrials: async () => [],
    };
    const study = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await expect(study.ask()).rejects.toThrow('storage: disk full');
  });

  /** memoryStorage whose createTrial throws for the calls numbered in `failOn` (0-based, once each). */
  function flakyCreate(failOn: number[]): Storage {
    const inner = memoryStorage();
    let call = 0;
    return {
      async createTrial(t, options) {
        const i = failOn.indexOf(call++);
        if (i >= 0) {
          failOn.splice(i, 1);
          throw new Error(`disk full at call ${call - 1}`);
        }
        return inner.createTrial(t, options);
      },
      updateTrial: (n, change) => inner.updateTrial(n, change),
      getTrials: (options) => inner.getTrials(options),
    };
  }

  it('a trial whose createTrial throws is not left running in the study', async () => {
    const storage = flakyCreate([0]);
    const study = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await expect(study.ask()).rejects.toThrow('storage: disk full at call 0');
    expect(study.trials).toEqual([]);
    // The number is free again and the study goes on once the storage works.
    const t = (await study.ask())!;
    expect(t.number).toBe(0);
    await study.tell(t, 1);
    expect(await storage.getTrials()).toEqual(study.trials);
  });

  it('a batch whose third create throws fails the two created trials and keeps the rest', async () => {
    const storage = flakyCreate([2]);
    const study = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    study.enqueue({ x: 1, opt: 'adam' });
    study.enqueue({ x: 2, opt: 'adam' });
    study.enqueue({ x: 3, opt: 'adam' });
    const ran: number[] = [];
    await expect(
      study.optimize((p) => ran.push(x(p)), { trials: 4, concurrency: 4 }),
    ).rejects.toThrow('storage: disk full at call 2');
    expect(ran).toEqual([]);
    expect(study.trials.map((t) => [t.number, t.state, t.error])).toEqual([
      [0, 'failed', 'not started: storage failed creating a trial: disk full at call 2'],
      [1, 'failed', 'not started: storage failed creating a trial: disk full at call 2'],
    ]);
    expect(await storage.getTrials()).toEqual(study.trials);
    // The configuration whose create failed runs next.
    await study.optimize((p) => x(p), { trials: 1 });
    expect(study.trials[2]?.params).toEqual({ x: 3, opt: 'adam' });
  });

  it('running trials found on resume are failed as stale, with the reason, in the storage too', async () => {
    const storage = memoryStorage();
    const first = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    await first.tell((await first.ask())!, 1);
    await first.ask(); // trial 1 never finishes: its process "died"
    const second = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    const { trials, stale } = await second.load();
    expect(stale).toEqual([1]);
    expect(trials.map((t) => [t.state, t.error])).toEqual([
      ['complete', undefined],
      ['failed', STALE_TRIAL_ERROR],
    ]);
    expect(await storage.getTrials()).toEqual(second.trials);
    await second.optimize((p) => x(p), { trials: 1 });
    expect(second.trials.map((t) => t.number)).toEqual([0, 1, 2]);
  });

  /** A strategy with a random stream that advances per draw (like random() and sobol()). */
  function streaming(): Strategy {
    let rng: ReturnType<typeof createRng> | undefined;
    return {
      name: 'test-stream',
      async suggest({ space, seed, count }) {
        rng ??= createRng(seed).fork('stream');
        const r = rng;
        return Array.from({ length: count }, () => space.sample(r));
      },
    };
  }

  it('a resumed study replays the strategy, so it suggests what an uninterrupted run would', async () => {
    const whole = createStudy({ space: spaceJSON, strategy: streaming(), seed: 5 });
    await whole.optimize((p) => x(p), { trials: 6 });
    const storage = memoryStorage();
    const part = createStudy({ space: spaceJSON, strategy: streaming(), seed: 5, storage });
    await part.optimize((p) => x(p), { trials: 3 });
    const resumed = createStudy({ space: spaceJSON, strategy: streaming(), seed: 5, storage });
    await resumed.optimize((p) => x(p), { trials: 3 });
    expect(resumed.trials.map((t) => t.params)).toEqual(whole.trials.map((t) => t.params));
    // Without the replay the stream starts over and repeats the first suggestions.
    const noReplay = createStudy({
      space: spaceJSON,
      strategy: streaming(),
      seed: 5,
      storage,
      replayStrategy: false,
    });
    await noReplay.optimize((p) => x(p), { trials: 1 });
    expect(noReplay.trials[6]?.params).toEqual(whole.trials[0]?.params);
  });

  it('a finite strategy exhausted by the replay ends the resumed run at once', async () => {
    const configs = [
      { x: 1, opt: 'adam' },
      { x: 2, opt: 'adam' },
    ];
    const storage = memoryStorage();
    await createStudy({ space: spaceJSON, strategy: listOf(configs), storage }).optimize((p) =>
      x(p),
    );
    const resumed = createStudy({ space: spaceJSON, strategy: listOf(configs), storage });
    expect(await resumed.optimize((p) => x(p))).toEqual({ trials: 0, reason: 'exhausted' });
  });

  it('openStudy gets the metadata first, and its error stops the run before any trial', async () => {
    const seen: StudyMeta[] = [];
    const storage: Storage = {
      ...memoryStorage(),
      async openStudy(meta) {
        seen.push(meta);
        throw new Error('direction differs');
      },
    };
    const study = createStudy({
      space: spaceJSON,
      strategy: sampler(),
      storage,
      direction: 'maximize',
      seed: 3,
    });
    let ran = 0;
    await expect(study.optimize(() => ++ran, { trials: 2 })).rejects.toThrow('direction differs');
    expect(ran).toBe(0);
    expect(seen).toEqual([
      {
        direction: 'maximize',
        space: createSpace(spaceJSON).toJSON(),
        strategy: 'test-sampler',
        seed: 3,
      },
    ]);
  });
});

describe('createStudy validation', () => {
  it('validates the space, direction, seed and strategy up front', () => {
    expect(() =>
      createStudy({
        space: { lr: { type: 'float', low: 0, high: 1, log: true } },
        strategy: sampler(),
      }),
    ).toThrow('space.lr: low (0) must be > 0 for a log-scaled float');
    expect(() =>
      createStudy({ space: spaceJSON, strategy: sampler(), direction: 'min' as never }),
    ).toThrow('createStudy: direction ("min") must be "minimize" or "maximize"');
    expect(() => createStudy({ space: spaceJSON, strategy: sampler(), seed: 1.5 })).toThrow(
      'createStudy: seed (1.5) must be a safe integer',
    );
    expect(() => createStudy({ space: spaceJSON, strategy: {} as Strategy })).toThrow(
      'createStudy: strategy ({}) must be an object with a name and a suggest() method',
    );
    const built = createSpace(spaceJSON);
    expect(createStudy({ space: built, strategy: sampler() }).space).toBe(built);
  });

  it('setUserAttr takes JSON values only, naming the key, the value and what is wrong, whatever the storage', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    const t = (await study.ask())!;
    const json =
      'must be a JSON value (finite numbers, strings, booleans, null, arrays and plain objects of those)';
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const cases: [string, unknown, string][] = [
      ['score', Number.NaN, `trial 0: user attribute "score" (NaN) ${json}: it is NaN`],
      [
        'curve',
        { loss: [1, -Infinity] },
        `"curve" ({"loss":[1,-Infinity]}) ${json}: .loss[1] is -Infinity`,
      ],
      ['u', undefined, `"u" (undefined) ${json}: it is undefined`],
      ['f', { f: () => 1 }, `${json}: .f is a function`],
      ['n', 2n, `"n" (2) ${json}: it is a bigint`],
      ['d', new Date(0), `${json}: it is a Date, not a plain object`],
      ['m', [new Map()], `${json}: [0] is a Map, not a plain object`],
      ['c', cycle, `${json}: .self refers to itself (a cycle)`],
    ];
    for (const [key, value, message] of cases) {
      expect(() => t.setUserAttr(key, value)).toThrow(message);
    }
    const ok = { a: [1, 'b', true, null], n: { m: -0.5 }, o: Object.create(null) };
    t.setUserAttr('ok', ok);
    t.setUserAttr('shared', [ok, ok]); // the same object twice is no cycle
    expect(study.trials[0]?.userAttrs).toEqual({ ok, shared: [ok, ok] });
  });

  it('trials are frozen snapshots', async () => {
    const study = createStudy({ space: spaceJSON, strategy: sampler() });
    const t = (await study.ask())!;
    const snap: FrozenTrial = study.trials[0]!;
    await study.tell(t, 1);
    expect(snap.state).toBe('running');
    expect(Object.isFrozen(study.trials[0])).toBe(true);
    expect(Object.isFrozen(study.trials[0]!.params)).toBe(true);
  });
});

describe('a concurrent storage (many workers, one study)', () => {
  /** One memoryStorage seen by several studies, as a database is by several workers. */
  function shared(stale: FrozenTrial[][] = []) {
    const inner = memoryStorage();
    const storage: Storage = {
      concurrent: true,
      createTrial: (t, options) => inner.createTrial(t, options),
      updateTrial: (n, change) => inner.updateTrial(n, change),
      getTrials: (options) => inner.getTrials(options),
      async failStaleTrials() {
        const failed: FrozenTrial[] = [];
        for (const n of stale.shift()?.map((t) => t.number) ?? []) {
          await inner.updateTrial(n, { state: 'failed', error: 'stale: heartbeat' });
          failed.push((await inner.getTrials({ numbers: [n] }))[0]!);
        }
        return failed;
      },
    };
    return { inner, storage };
  }

  it("sees the other workers' trials, running ones as pending, and numbers on after them", async () => {
    const { storage } = shared();
    const log: SuggestContext[] = [];
    const a = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    const b = createStudy({ space: spaceJSON, strategy: sampler(log), seed: 1, storage });
    const ta = (await a.ask())!;
    const tb = (await b.ask())!;
    expect([ta.number, tb.number]).toEqual([0, 1]);
    expect(log.at(-1)!.trials.map((t) => [t.number, t.state])).toEqual([[0, 'running']]);
    await a.tell(ta, 3);
    const ta2 = (await a.ask())!;
    expect(ta2.number).toBe(2);
    expect(a.trials.map((t) => [t.number, t.state])).toEqual([
      [0, 'complete'],
      [1, 'running'],
      [2, 'running'],
    ]);
    await b.tell(tb, 1);
    await b.ask();
    expect(b.trials.map((t) => [t.number, t.state])).toEqual([
      [0, 'complete'],
      [1, 'complete'],
      [2, 'running'],
      [3, 'running'],
    ]);
    expect(b.bestTrial?.number).toBe(1);
    // A resumed worker does not fail the others' running trials.
    const c = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    expect((await c.load()).stale).toEqual([]);
    expect(c.counts).toEqual({ running: 2, complete: 2, failed: 0, pruned: 0 });
  });

  it('a trial finished elsewhere first keeps the stored outcome, with a warning', async () => {
    const { storage, inner } = shared();
    const warnings: string[] = [];
    const a = createStudy({
      space: spaceJSON,
      strategy: sampler(),
      storage,
      onWarning: (m) => warnings.push(m),
    });
    const t = (await a.ask())!;
    await inner.updateTrial(t.number, { state: 'failed', error: 'stale: heartbeat' });
    const told = await a.tell(t, 5);
    expect([told.state, told.error]).toEqual(['failed', 'stale: heartbeat']);
    expect(a.counts).toEqual({ running: 0, complete: 0, failed: 1, pruned: 0 });
    expect(warnings).toEqual([
      'trial 0 was finished elsewhere (failed: stale: heartbeat) before this change reached the storage; the stored outcome stands',
    ]);
  });

  it('retries a stale trial once, as a retry of it, and studyTrials stops all workers at exactly N', async () => {
    const stale: FrozenTrial[][] = [];
    const { storage } = shared(stale);
    const a = createStudy({ space: spaceJSON, strategy: sampler(), storage });
    const b = createStudy({ space: spaceJSON, strategy: sampler(), seed: 2, storage });
    const dead = (await b.ask())!; // b "dies" with trial 0 running
    stale.push([a.trials[0] ?? ({ number: dead.number } as FrozenTrial)]);
    const result = await a.optimize((p) => x(p), { studyTrials: 4 });
    expect(result.reason).toBe('trials');
    const trials = a.trials;
    expect(trials.map((t) => [t.number, t.state, t.retryOf])).toEqual([
      [0, 'failed', undefined],
      [1, 'complete', 0],
      [2, 'complete', undefined],
      [3, 'complete', undefined],
      [4, 'complete', undefined],
    ]);
    expect(trials[1]!.params).toEqual(dead.params);
    // The budget is spent for every worker.
    expect(await b.optimize((p) => x(p), { studyTrials: 4 })).toEqual({
      trials: 0,
      reason: 'trials',
    });
  });
});
