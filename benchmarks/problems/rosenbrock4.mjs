/**
 * Rosenbrock in d = 4 on [−5, 10]^4. f* = 0 at (1, 1, 1, 1).
 */
export const name = 'rosenbrock4';

const NAMES = ['x1', 'x2', 'x3', 'x4'];

export const space = Object.fromEntries(
  NAMES.map((n) => [n, { type: 'float', low: -5, high: 10 }]),
);

export const direction = 'minimize';
/** Noise-free: the same configuration always gives the same value. */
export const deterministic = true;
export const fStar = 0;
export const budget = 80;
export const minimizers = [Object.fromEntries(NAMES.map((n) => [n, 1]))];

export function rosenbrock(x) {
  let total = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = x[i] - 1;
    total += 100 * a * a + b * b;
  }
  return total;
}

export function objective(params) {
  return rosenbrock(NAMES.map((n) => params[n]));
}
