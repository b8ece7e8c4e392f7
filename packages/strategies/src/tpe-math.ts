/** Log-space normal-distribution helpers for the Parzen estimators of {@link tpe}. */

const LOG_HALF = Math.log(0.5);
const HALF_LOG_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
/** log √(2π). */
export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Below this, erfc comes from 1 − erf (series); above, from its continued fraction. */
const CF_THRESHOLD = 2.5;

/** erf(x) for |x| < ~3: (2/√π) e^{−x²} Σ (2x²)^n x / (2n+1)!!, a series of positive terms (no cancellation). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * log(erfc(z)) for z ≥ CF_THRESHOLD: −z² − ½log π + log F(z), F the continued fraction
 * 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))) evaluated by modified Lentz. Exact in relative terms
 * however far out z is (no underflow).
 */
function logErfcLarge(z: number): number {
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = z + an * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = z + an / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -z * z - HALF_LOG_PI - Math.log(f);
}

/** log(erfc(z)), accurate in relative terms for all finite z. */
export function logErfc(z: number): number {
  if (z >= CF_THRESHOLD) return logErfcLarge(z);
  if (z >= 0) return Math.log(1 - erfSeries(z));
  if (z > -CF_THRESHOLD) return Math.log(1 + erfSeries(-z));
  return Math.log(2 - Math.exp(logErfcLarge(-z)));
}

/** log Φ(x), Φ the standard normal CDF; no underflow for very negative x. */
export function logNdtr(x: number): number {
  if (x === Number.POSITIVE_INFINITY) return 0;
  if (x === Number.NEGATIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  return LOG_HALF + logErfc(-x / Math.SQRT2);
}

/** log(e^p − e^q) for p ≥ q; −∞ when they are equal. */
function logDiffExp(p: number, q: number): number {
  if (q === Number.NEGATIVE_INFINITY) return p;
  return p + Math.log1p(-Math.exp(q - p));
}

/**
 * log(Φ(b) − Φ(a)) for a ≤ b (standardised bounds): the log mass of N(0, 1) on [a, b], computed
 * on the side of the tail the interval lies in (as scipy's `_log_gauss_mass`), so narrow intervals
 * far in a tail keep their precision.
 */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiffExp(logNdtr(b), logNdtr(a));
  if (a >= 0) return logDiffExp(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-Math.exp(logNdtr(a)) - Math.exp(logNdtr(-b)));
}

/** log Σ e^{x_i} over `values[0..length)`, stable; −∞ for an empty or all −∞ input. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  if (max === Number.NEGATIVE_INFINITY || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}
