import type { Strategy, SuggestContext } from '@webtune/core';
import type { Config, Space } from '@webtune/space';
import { safeKey, shuffleInPlace, strategyRng } from './common.js';

/**
 * A strategy that walks a fixed list of configurations: each call returns the first `count`
 * entries not yet present among the study's trials (enqueued and running ones included), so
 * every configuration is suggested once and the strategy is exhausted ([]) at the end.
 */
export function listStrategy(
  name: string,
  build: (space: Space) => Config[],
  options: { shuffle?: boolean | undefined; seed?: number | undefined },
): Strategy {
  let space: Space | undefined;
  let list: Config[] = [];
  let keys: string[] = [];
  /** Every entry before this index is already among the trials. */
  let done = 0;
  let present = new Set<string>();
  let seenTrials = new Set<number>();

  const prepare = (context: SuggestContext) => {
    if (context.space === space) return;
    space = context.space;
    list = build(space);
    if (options.shuffle) shuffleInPlace(list, strategyRng(name, options.seed, context));
    keys = list.map((c) => space!.key(c));
    done = 0;
    present = new Set();
    seenTrials = new Set();
  };

  return {
    name,
    finite: true,
    async suggest(context) {
      prepare(context);
      const s = context.space;
      for (const t of context.trials) {
        if (seenTrials.has(t.number)) continue;
        seenTrials.add(t.number);
        const key = safeKey(s, t.params);
        if (key !== undefined) present.add(key);
      }
      while (done < keys.length && present.has(keys[done]!)) done++;
      const out: Config[] = [];
      for (let i = done; i < keys.length && out.length < context.count; i++) {
        if (!present.has(keys[i]!)) out.push(list[i]!);
      }
      return out;
    },
  };
}
