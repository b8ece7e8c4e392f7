/**
 * Ackley (a = 20, b = 0.2, c = 2π) in d = 5 on [−5, 10]^5. f* = 0 at the origin.
 */
export const name = 'ackley5';

const NAMES = ['x1', 'x2', 'x3', 'x4', 'x5'];

export const space = Object.fromEntries(
  NAMES.map((n) => [n, { type: 'float', low: -5, high: 10 }]),
);

export const direction = 'minimize';
/** Noise-free: the same configuration always gives the same value. */
export const deterministic = true;
export const fStar = 0;
export const budget = 100;
export const minimizers = [Object.fromEntries(NAMES.map((n) => [n, 0]))];

export function ackley(x, a = 20, b = 0.2, c = 2 * Math.PI) {
  const d = x.length;
  let sq = 0;
  let cs = 0;
  for (const v of x) {
    sq += v * v;
    cs += Math.cos(c * v);
  }
  return -a * Math.exp(-b * Math.sqrt(sq / d)) - Math.exp(cs / d) + a + Math.E;
}

export function objective(params) {
  return ackley(NAMES.map((n) => params[n]));
}
