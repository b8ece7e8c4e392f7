/**
 * Hartmann-6 on [0, 1]^6 with the standard α, A and P (d = 6, six local minima).
 * f* = −3.322368011415515 at (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573).
 */
export const name = 'hartmann6';

const ALPHA = [1.0, 1.2, 3.0, 3.2];
const A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const P = [
  [1312, 1696, 5569, 124, 8283, 5886],
  [2329, 4135, 8307, 3736, 1004, 9991],
  [2348, 1451, 3522, 2883, 3047, 6650],
  [4047, 8828, 8732, 5743, 1091, 381],
].map((row) => row.map((p) => p * 1e-4));

const NAMES = ['x1', 'x2', 'x3', 'x4', 'x5', 'x6'];

export const space = Object.fromEntries(NAMES.map((n) => [n, { type: 'float', low: 0, high: 1 }]));

export const direction = 'minimize';
/** Noise-free: the same configuration always gives the same value. */
export const deterministic = true;
export const fStar = -3.322368011415515;
export const budget = 100;
export const minimizers = [
  Object.fromEntries(
    NAMES.map((n, i) => [n, [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573][i]]),
  ),
];

export function hartmann6(x) {
  let total = 0;
  for (let i = 0; i < 4; i++) {
    let inner = 0;
    for (let j = 0; j < 6; j++) {
      const diff = x[j] - P[i][j];
      inner += A[i][j] * diff * diff;
    }
    total += ALPHA[i] * Math.exp(-inner);
  }
  return -total;
}

export function objective(params) {
  return hartmann6(NAMES.map((n) => params[n]));
}
