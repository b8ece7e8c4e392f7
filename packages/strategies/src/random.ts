import type { Strategy } from '@webtune/core';
import { checkSeed, drawDistinct, type RandomStream, strategyRng, TriedKeys } from './common.js';

/** Options of {@link random}. */
export interface RandomOptions {
  /** Seed of the stream. Default: the study's seed. */
  seed?: number;
}

/**
 * Independent uniform draws (`space.sample`; log-uniform where log). In finite spaces it avoids
 * configurations already tried while untried ones remain, so a batch never repeats a pending trial.
 */
export function random(options: RandomOptions = {}): Strategy {
  checkSeed('random', options.seed);
  let rng: RandomStream | undefined;
  const tried = new TriedKeys();
  return {
    name: 'random',
    async suggest(context) {
      rng ??= strategyRng('random', options.seed, context);
      const r = rng;
      tried.update(context.space, context);
      return drawDistinct(context, tried, () => context.space.sample(r), r);
    },
  };
}
