import type { Strategy } from '@webtune/core';
import { checkBoolean, checkSeed } from './common.js';
import { checkRetries, listStrategy } from './list.js';

/** Options of {@link exhaustive}. */
export interface ExhaustiveOptions {
  /** Visit the configurations in a seeded random order instead of `space.enumerate()` order. Default false. */
  shuffle?: boolean;
  /** Seed of the shuffle. Default: the study's seed. */
  seed?: number;
  /**
   * Times a configuration whose trials all failed (the objective threw or returned NaN, or the
   * trial was left running by a run that stopped and failed as stale on resume) is suggested
   * again, after every configuration has been tried once. Default 1; 0 never retries.
   */
  retries?: number;
}

/**
 * Every configuration of a finite space once (`space.enumerate()`), then each configuration whose
 * trials all failed again (up to `retries` times), then nothing: the study stops. Configurations
 * already among the trials (e.g. enqueued ones) are skipped. A space
 * with a continuous float fails on the first suggestion, naming that parameter.
 */
export function exhaustive(options: ExhaustiveOptions = {}): Strategy {
  checkBoolean('exhaustive', 'shuffle', options.shuffle);
  checkSeed('exhaustive', options.seed);
  checkRetries('exhaustive', options.retries);
  return listStrategy(
    'exhaustive',
    (space) => {
      try {
        return space.enumerate();
      } catch (error) {
        throw new Error(`exhaustive search needs a finite space: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    options,
  );
}
