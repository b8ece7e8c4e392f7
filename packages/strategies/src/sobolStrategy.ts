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
 * Maps a Sobol point with one coordinate per parameter to a point of the space's encoding: a
 * numeric parameter takes its coordinate as is, a categorical one the choice
 * ⌊u·choices⌋ as its one-hot block. One coordinate per parameter (rather than one per one-hot
 * dimension, decoded by argmax) keeps the sequence's stratification on categoricals: the first
 * k points of a k-choice parameter visit every choice.
 */
export function parameterwiseSobol(space: Space): {
  dims: number;
  toEncoded(u: Float64Array): Float64Array;
} {
  const dimOf = new Map<string, number>();
  for (const name of space.names) dimOf.set(name, dimOf.size);
  const groups = new Map(space.categoricalGroups.map((g) => [g.param, g]));
  const numeric = space.layout.flatMap((dim, j) =>
    dim.kind === 'categorical' ? [] : [{ from: dimOf.get(dim.param)!, to: j }],
  );
  const categorical = [...groups.values()].map((g) => ({ from: dimOf.get(g.param)!, ...g }));
  return {
    dims: dimOf.size,
    toEncoded(u) {
      const x = new Float64Array(space.dims);
      for (const { from, to } of numeric) x[to] = u[from]!;
      for (const { from, start, size } of categorical) {
        x[start + Math.min(size - 1, Math.floor(u[from]! * size))] = 1;
      }
      return x;
    },
  };
}

/**
 * Quasi-random search: a scrambled, seeded Sobol sequence with one coordinate per parameter
 * (see {@link parameterwiseSobol}), decoded through `space.decode` (steps and ints snap, inactive
 * parameters drop). Covers the space more evenly than random draws. In finite spaces it skips
 * configurations already tried while untried ones remain. Supports up to 1024 parameters.
 */
export function sobol(options: SobolStrategyOptions = {}): Strategy {
  checkSeed('sobol', options.seed);
  checkBoolean('sobol', 'scramble', options.scramble);
  let space: Space | undefined;
  let generator: SobolGenerator | undefined;
  let mapping: ReturnType<typeof parameterwiseSobol> | undefined;
  let rng: RandomStream | undefined;
  const tried = new TriedKeys();
  return {
    name: 'sobol',
    async suggest(context) {
      if (context.space !== space || rng === undefined) {
        space = context.space;
        mapping = parameterwiseSobol(space);
        if (mapping.dims > SOBOL_MAX_DIMS) {
          throw new RangeError(
            `sobol: the space has ${mapping.dims} parameters, more than the ${SOBOL_MAX_DIMS} supported`,
          );
        }
        rng = strategyRng('sobol', options.seed, context);
        generator =
          mapping.dims === 0
            ? undefined
            : createSobol(mapping.dims, {
                scramble: options.scramble ?? true,
                seed: Math.floor(rng.random() * 2 ** 32),
              });
      }
      const s = space;
      const g = generator;
      const map = mapping!;
      tried.update(s, context);
      const draw = () => s.decode(map.toEncoded(g ? g.next() : new Float64Array(0)));
      return drawDistinct(context, tried, draw, rng);
    },
  };
}
