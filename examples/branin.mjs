// Branin-Hoo, the classic 2-D test function (three global minima, f* = 5/(4π)).
// Run: webtune run examples/branin.mjs --strategy sobol --trials 50

export const space = {
  x1: { type: 'float', low: -5, high: 10 },
  x2: { type: 'float', low: 0, high: 15 },
};

export const direction = 'minimize';

/** The global minimum, reached at (−π, 12.275), (π, 2.275) and (9.42478, 2.475). */
export const fStar = 0.39788735772973816;

/** Evaluations per run in the quality benchmark. */
export const budget = 50;

/** Default number of trials for `webtune run`. */
export const trials = 50;

const A = 1;
const B = 5.1 / (4 * Math.PI ** 2);
const C = 5 / Math.PI;
const R = 6;
const S = 10;
const T = 1 / (8 * Math.PI);

export function objective({ x1, x2 }) {
  return A * (x2 - B * x1 * x1 + C * x1 - R) ** 2 + S * (1 - T) * Math.cos(x1) + S;
}
