import type { Strategy } from '@webtune/core';
import { checkBoolean, checkSeed } from './common.js';
import { checkRetries, listStrategy } from './list.js';

/** Options of {@link grid}. */
export interface GridOptions {
  /**
   * Values per numeric parameter (an integer ≥ 2): one number for all, or per parameter name
   * (others 5). Evenly spaced, log-spaced where log; ints and stepped floats with fewer values
   * keep them all, those with more are thinned. Categoricals keep every choice. Default 5.
   */
  resolution?: number | Record<string, number>;
  /** Visit the grid in a seeded random order. Default false. */
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
 * Each point of `space.grid({ resolution })` once, then each point whose trials all failed again
 * (up to `retries` times), then nothing: the study stops.
 */
export function grid(options: GridOptions = {}): Strategy {
  checkBoolean('grid', 'shuffle', options.shuffle);
  checkSeed('grid', options.seed);
  checkRetries('grid', options.retries);
  const { resolution } = options;
  if (resolution !== undefined) {
    const entries =
      typeof resolution === 'number'
        ? [['resolution', resolution] as const]
        : typeof resolution === 'object' && resolution !== null
          ? Object.entries(resolution).map(([k, v]) => [`resolution.${k}`, v] as const)
          : [['resolution', resolution] as const];
    for (const [what, value] of entries) {
      if (!(typeof value === 'number' && Number.isInteger(value) && value >= 2)) {
        throw new RangeError(`grid: ${what} (${String(value)}) must be an integer ≥ 2`);
      }
    }
  }
  return listStrategy(
    'grid',
    (space) => space.grid(resolution === undefined ? {} : { resolution }),
    options,
  );
}
