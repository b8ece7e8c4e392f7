import type { FrozenTrial, Strategy, SuggestContext } from '@webtune/core';
import type { Config, Space } from '@webtune/space';
import { historyOf, safeKey, shuffleInPlace, strategyRng } from './common.js';

/** Options every list strategy (exhaustive, grid) takes. */
export interface ListOptions {
  shuffle?: boolean | undefined;
  seed?: number | undefined;
  /** Times a configuration whose trials all failed is suggested again. Default 1. */
  retries?: number | undefined;
}

/** Throws unless `retries` is undefined or an integer ≥ 0. */
export function checkRetries(strategy: string, retries: unknown): void {
  if (retries !== undefined && !(Number.isSafeInteger(retries) && (retries as number) >= 0)) {
    throw new RangeError(`${strategy}: retries (${String(retries)}) must be an integer ≥ 0`);
  }
}

/**
 * A strategy that walks a fixed list of configurations: each call returns the first `count`
 * entries no trial has tried yet (enqueued and running ones included), then — once every entry
 * has been tried — the entries whose trials all failed (the objective threw or returned NaN, or
 * the trial went stale when a run stopped), each up to `retries` more times, in the order the
 * failures were seen. It returns nothing once nothing is left to try (for good once no trial
 * runs). Bookkeeping is incremental: each call reads the trials added since the last one and
 * re-reads only those it saw running, O(1) amortised per trial.
 */
export function listStrategy(
  name: string,
  build: (space: Space) => Config[],
  options: ListOptions,
): Strategy {
  const retries = options.retries ?? 1;
  let space: Space | undefined;
  let list: Config[] = [];
  let index = new Map<string, number>();
  /** Per entry: its trials running, finished (complete or pruned), failed. */
  let running = new Uint32Array(0);
  let finished = new Uint32Array(0);
  let failed = new Uint32Array(0);
  /** Every entry before this index has a trial. */
  let next = 0;
  /** Entries that failed, in the order seen (repeats and entries no longer retryable are skipped). */
  let failures: number[] = [];
  let failuresHead = 0;
  /** History positions read so far. */
  let read = 0;
  /** Running trials seen: history position and entry. */
  let watching: { at: number; entry: number }[] = [];

  const reset = () => {
    running = new Uint32Array(list.length);
    finished = new Uint32Array(list.length);
    failed = new Uint32Array(list.length);
    next = 0;
    failures = [];
    failuresHead = 0;
    read = 0;
    watching = [];
  };

  const prepare = (context: SuggestContext) => {
    if (context.space === space) return;
    space = context.space;
    list = build(space);
    if (options.shuffle) shuffleInPlace(list, strategyRng(name, options.seed, context));
    index = new Map(list.map((c, i) => [space!.key(c), i]));
    reset();
  };

  const settle = (entry: number, t: FrozenTrial) => {
    if (t.state === 'failed') {
      failed[entry]!++;
      if (failed[entry]! <= retries) failures.push(entry);
    } else finished[entry]!++;
  };

  const tried = (entry: number) => running[entry]! + finished[entry]! + failed[entry]! > 0;
  const retryable = (entry: number) =>
    running[entry] === 0 && finished[entry] === 0 && failed[entry]! <= retries;

  return {
    name,
    finite: true,
    async suggest(context) {
      prepare(context);
      const history = historyOf(context);
      if (history.length < read) reset();
      watching = watching.filter(({ at, entry }) => {
        const t = history.at(at);
        if (t.state === 'running') return true;
        running[entry]!--;
        settle(entry, t);
        return false;
      });
      for (; read < history.length; read++) {
        const t = history.at(read);
        const key = safeKey(context.space, t.params);
        const entry = key === undefined ? undefined : index.get(key);
        if (entry === undefined) continue;
        if (t.state === 'running') {
          running[entry]!++;
          watching.push({ at: read, entry });
        } else settle(entry, t);
      }
      while (next < list.length && tried(next)) next++;
      const out: Config[] = [];
      for (let i = next; i < list.length && out.length < context.count; i++) {
        if (!tried(i)) out.push(list[i]!);
      }
      if (out.length < context.count && next === list.length) {
        while (failuresHead < failures.length && !retryable(failures[failuresHead]!)) {
          failuresHead++;
        }
        const picked = new Set<number>();
        for (let i = failuresHead; i < failures.length && out.length < context.count; i++) {
          const entry = failures[i]!;
          if (!retryable(entry) || picked.has(entry)) continue;
          picked.add(entry);
          out.push(list[entry]!);
        }
      }
      return out;
    },
  };
}
