/**
 * Levy in d = 4 on [−10, 10]^4. f* = 0 at (1, 1, 1, 1).
 */
export const name = 'levy4';

const NAMES = ['x1', 'x2', 'x3', 'x4'];

export const space = Object.fromEntries(
  NAMES.map((n) => [n, { type: 'float', low: -10, high: 10 }]),
);

export const direction = 'minimize';
/** Noise-free: the same configuration always gives the same value. */
export const deterministic = true;
export const fStar = 0;
export const budget = 80;
export const minimizers = [Object.fromEntries(NAMES.map((n) => [n, 1]))];

export function levy(x) {
  const w = x.map((v) => 1 + (v - 1) / 4);
  const d = w.length;
  const first = Math.sin(Math.PI * w[0]) ** 2;
  let middle = 0;
  for (let i = 0; i < d - 1; i++) {
    middle += (w[i] - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i] + 1) ** 2);
  }
  const last = (w[d - 1] - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]) ** 2);
  return first + middle + last;
}

export function objective(params) {
  return levy(NAMES.map((n) => params[n]));
}
