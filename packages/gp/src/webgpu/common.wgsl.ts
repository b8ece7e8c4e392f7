/*
 * WGSL function libraries shared by the GP shaders. Each is a string; a shader lists the ones it
 * needs in its `includes` (the df64 ones are in df64.wgsl.ts).
 */

/**
 * Gaussian special functions in f32 and the four acquisitions (minimisation, larger is better),
 * matching ../acquisition.ts. erfcx uses the Chebyshev-like fit of Numerical Recipes' erfcc
 * (fractional error < 1.2e-7 for z ≥ 0, i.e. f32 precision), which gives e^{z²}·erfc(z) without
 * forming e^{z²}. log h(z) follows Ament et al. 2023: direct for z > −1, the erfcx form down to
 * z = −12, and below it the asymptotic series (its truncation error 10395/z¹⁰ < 2e-7 there,
 * while the erfcx form loses ~z²·ε_f32 to cancellation).
 */
export const ACQUISITION_WGSL = /* wgsl */ `
const HALF_LOG_2PI = 0.91893853320467274;
const HALF_LOG_PI_OVER_2 = 0.22579135264472744;
const INV_SQRT_2PI = 0.39894228040143268;
const SQRT1_2 = 0.70710678118654752;

fn erfcx_pos(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(p);
}

fn erfc_f(z: f32) -> f32 {
  if (z >= 0.0) { return erfcx_pos(z) * exp(-z * z); }
  return 2.0 - erfcx_pos(-z) * exp(-z * z);
}

fn norm_cdf(z: f32) -> f32 { return 0.5 * erfc_f(-z * SQRT1_2); }
fn norm_pdf(z: f32) -> f32 { return INV_SQRT_2PI * exp(-0.5 * z * z); }

fn log1mexp(a: f32) -> f32 {
  if (a > -0.69314718055994531) { return log(-(exp(a) - 1.0)); }
  return log(1.0 - exp(a));
}

fn log_h(z: f32) -> f32 {
  if (z > -1.0) { return log(norm_pdf(z) + z * norm_cdf(z)); }
  if (z > -12.0) {
    let a = -z;
    return -HALF_LOG_2PI + log1mexp(log(a * erfcx_pos(a * SQRT1_2)) + HALF_LOG_PI_OVER_2) - 0.5 * z * z;
  }
  let w = 1.0 / (z * z);
  return -HALF_LOG_2PI - log(z * z) + log(1.0 + w * (-3.0 + w * (15.0 + w * (-105.0 + 945.0 * w))))
    - 0.5 * z * z;
}

// P.acq: 0 ei, 1 logEI, 2 pi, 3 ucb; P.incumbent = best − ξ.
fn acquisition(mu: f32, variance: f32) -> f32 {
  let s = sqrt(variance);
  if (P.acq == 3u) { return P.sqrtBeta * s - mu; }
  let z = (P.incumbent - mu) / s;
  if (P.acq == 2u) { return norm_cdf(z); }
  if (P.acq == 1u) { return log(s) + log_h(z); }
  if (z > -1.0) { return s * (norm_pdf(z) + z * norm_cdf(z)); }
  return s * exp(log_h(z));
}
`;
