import type { Strategy } from '@webtune/core';
import type { Space } from '@webtune/space';
import {
  checkBoolean,
  checkSeed,
  drawDistinct,
  type RandomStream,
  strategyRng,
  TriedKeys,
} from './common.js';
import { createSobol, type SobolGenerator } from './sobol.js';
import { SOBOL_MAX_DIMS } from './sobolDirections.js';

/** Options of {@link sobol}. */
export interface SobolStrategyOptions {
  /** Seed of the scramble. Default: the study's seed. */
  seed?: number;
  /** Owen-scramble the sequence. Default true; unscrambled, the origin is skipped. */
  scramble?: boolean;
}

/**
 * Quasi-random search: a scrambled, seeded Sobol sequence over the unit cube, decoded through
 * `space.decode` (one-hot blocks pick their largest coordinate, steps and ints snap). Covers the
 * space more evenly than random draws. In finite spaces it skips configurations already tried while
 * untried ones remain. Supports spaces of up to 1024 encoded dimensions.
 */
export function sobol(options: SobolStrategyOptions = {}): Strategy {
  checkSeed('sobol', options.seed);
  checkBoolean('sobol', 'scramble', options.scramble);
  let space: Space | undefined;
  let generator: SobolGenerator | undefined;
  let rng: RandomStream | undefined;
  const tried = new TriedKeys();
  return {
    name: 'sobol',
    async suggest(context) {
      if (context.space !== space || rng === undefined) {
        space = context.space;
        if (space.dims > SOBOL_MAX_DIMS) {
          throw new RangeError(
            `sobol: the space encodes to ${space.dims} dimensions, more than the ${SOBOL_MAX_DIMS} supported`,
          );
        }
        rng = strategyRng('sobol', options.seed, context);
        generator =
          space.dims === 0
            ? undefined
            : createSobol(space.dims, {
                scramble: options.scramble ?? true,
                seed: Math.floor(rng.random() * 2 ** 32),
              });
      }
      const s = space;
      const g = generator;
      tried.update(s, context.trials);
      return drawDistinct(context, tried, () => s.decode(g ? g.next() : new Float64Array(0)), rng);
    },
  };
}
