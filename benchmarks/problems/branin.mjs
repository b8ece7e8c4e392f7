/**
 * Branin–Hoo on x1 ∈ [−5, 10], x2 ∈ [0, 15] (d = 2, three global minima): the CLI's example
 * module. f* = 5 / (4π) at (−π, 12.275), (π, 2.275) and (9.42478, 2.475).
 */
export { budget, direction, fStar, objective, space } from '../../examples/branin.mjs';

export const name = 'branin';
export const minimizers = [
  { x1: -Math.PI, x2: 12.275 },
  { x1: Math.PI, x2: 2.275 },
  { x1: 9.42477796076938, x2: 2.475 },
];

/** Noise-free: the same configuration always gives the same value. */
export const deterministic = true;
