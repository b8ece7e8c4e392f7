/*
 * Special functions in double precision for the Gaussian acquisitions.
 * erfc / erfcx use the Chebyshev fit of Press et al., "Numerical Recipes" 3rd ed. §6.2.2
 * (28 coefficients, ~1.2e-16 relative), which yields erfcx(z) = e^{z²} erfc(z) directly for
 * z ≥ 0 without forming e^{z²}, so erfcx is accurate where erfc itself underflows.
 */

const COF = new Float64Array([
  -1.3026537197817094, 6.419697923564902e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
  -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
  -1.624290004647e-6, 1.30365583558e-6, 1.5626441722e-8, -8.5238095915e-8, 6.529054439e-9,
  5.059343495e-9, -9.91364156e-10, -2.27365122e-10, 9.6467911e-11, 2.394038e-12, -6.886027e-12,
  8.94487e-13, 3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15, -1.523e-15, -9.4e-17, 1.21e-16,
  -2.8e-17,
]);

/** The exponent E with erfc(z) = t·exp(−z² + E) for z ≥ 0, t = 2/(2 + z). */
function chebExponent(t: number): number {
  const ty = 4 * t - 2;
  let d = 0;
  let dd = 0;
  for (let j = COF.length - 1; j > 0; j--) {
    const tmp = d;
    d = ty * d - dd + COF[j]!;
    dd = tmp;
  }
  return 0.5 * (COF[0]! + ty * d) - dd;
}

/** Scaled complementary error function erfcx(z) = e^{z²}·erfc(z); finite for every z ≥ −26. */
export function erfcx(z: number): number {
  if (z >= 0) {
    const t = 2 / (2 + z);
    return t * Math.exp(chebExponent(t));
  }
  // erfc(−a) = 2 − erfc(a)  ⇒  erfcx(z) = 2e^{z²} − erfcx(−z).
  return 2 * Math.exp(z * z) - erfcx(-z);
}

/** Complementary error function erfc(z) = 1 − erf(z), relative accuracy ~1e-16 for z ≥ 0. */
export function erfc(z: number): number {
  if (z >= 0) {
    const t = 2 / (2 + z);
    return t * Math.exp(-z * z + chebExponent(t));
  }
  return 2 - erfc(-z);
}

/** Error function. */
export function erf(z: number): number {
  return z >= 0 ? 1 - erfc(z) : erfc(-z) - 1;
}

const INV_SQRT_2PI = 0.3989422804014327;
const SQRT1_2 = Math.SQRT1_2;
/** ½·log(2π). */
export const HALF_LOG_2PI = 0.9189385332046728;

/** Standard normal density φ(z). */
export function normPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Standard normal distribution function Φ(z), accurate in both tails (relative, not absolute). */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

/** log Φ(z), finite for every finite z (uses erfcx in the lower tail, log1p in the upper). */
export function logNormCdf(z: number): number {
  if (z < -1) {
    const a = -z * SQRT1_2;
    return Math.log(0.5 * erfcx(a)) - 0.5 * z * z;
  }
  if (z > 3) return Math.log1p(-0.5 * erfc(z * SQRT1_2));
  return Math.log(normCdf(z));
}

/** log(1 − e^a) for a < 0, stable for a near 0 and for a very negative (Mächler 2012). */
export function log1mexp(a: number): number {
  return a > -Math.LN2 ? Math.log(-Math.expm1(a)) : Math.log1p(-Math.exp(a));
}

const HALF_LOG_PI_OVER_2 = 0.5 * Math.log(Math.PI / 2);
/**
 * Below this z the asymptotic series of h(z) is used: its truncation error (945/z⁸) is < 1e-15
 * there, while the erfcx branch loses ~z²·ε to cancellation in 1 − |z|√(π/2)·erfcx(|z|/√2).
 */
const ASYMPTOTIC_Z = -200;

/**
 * h(z) = φ(z) + z·Φ(z), so that EI = σ·h((best − μ)/σ) for minimisation. Underflows to 0 near
 * z ≈ −38; use {@link logH} there.
 */
export function h(z: number): number {
  return normPdf(z) + z * normCdf(z);
}

/** log h(z) + z²/2 for z ≤ −1 (no cancellation of the large −z²/2 terms). */
function logHTail(z: number): number {
  if (z > ASYMPTOTIC_Z) {
    const a = -z;
    return -HALF_LOG_2PI + log1mexp(Math.log(a * erfcx(a * SQRT1_2)) + HALF_LOG_PI_OVER_2);
  }
  const w = 1 / (z * z);
  return -HALF_LOG_2PI - Math.log(z * z) + Math.log1p(w * (-3 + w * (15 + w * (-105 + 945 * w))));
}

/**
 * log h(z), finite for every finite z. Follows Ament et al. 2023, "Unexpected Improvements to
 * Expected Improvement for Bayesian Optimization" (BoTorch `log_ei`): direct for z > −1;
 * for z ≤ −1, log h = −z²/2 − ½log 2π + log1mexp(log(|z|·erfcx(|z|/√2)) + ½log(π/2)); and
 * the asymptotic series h = φ(z)/z²·(1 − 3/z² + 15/z⁴ − 105/z⁶ + 945/z⁸) below z = −200.
 */
export function logH(z: number): number {
  if (z > -1) return Math.log(h(z));
  return logHTail(z) - 0.5 * z * z;
}

/**
 * Φ(z) / h(z) = d log h / dz, the derivative of {@link logH}, finite and accurate for every
 * finite z (→ |z| as z → −∞).
 */
export function dLogH(z: number): number {
  if (z > -1) return normCdf(z) / h(z);
  if (z > ASYMPTOTIC_Z) return Math.exp(Math.log(0.5 * erfcx(-z * SQRT1_2)) - logHTail(z));
  const w = 1 / (z * z);
  return (-z * (1 + w * (-1 + w * (3 - 15 * w)))) / (1 + w * (-3 + w * (15 - 105 * w)));
}
