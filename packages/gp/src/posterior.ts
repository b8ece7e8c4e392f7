import {
  checkPoints,
  inverseSquaredLengthscales,
  kernelDR2,
  kernelFromR2,
  kernelLayout,
  scaledDistance2,
} from './kernel.js';
import { dot, solveLowerTransposed } from './linalg.js';
import type { FittedGP } from './types.js';

/**
 * Relative floor on the posterior variance: variance ≥ VARIANCE_FLOOR · outputScale. Round-off
 * in s² − ‖L⁻¹k‖² can make the variance slightly negative at (or next to) training points;
 * the floor keeps σ = √variance positive so that z-scores and log-EI stay finite.
 */
export const VARIANCE_FLOOR = 1e-12;

/** Posterior of the latent function (noise excluded) at m candidates. */
export interface Posterior {
  /** m, posterior mean, standardised units. */
  mean: Float64Array;
  /** m, posterior variance of the latent f, standardised units, ≥ VARIANCE_FLOOR·outputScale. */
  variance: Float64Array;
}

/**
 * Posterior mean μ = kᵀα and variance σ² = s² − ‖L⁻¹k‖² of the latent function at m candidates,
 * in the GP's standardised units (un-standardise with y = yMean + yStd·μ, var·yStd²).
 * @param xc m×d, row-major, unit cube.
 */
export function posterior(gp: FittedGP, xc: Float64Array, m: number): Posterior {
  const layout = kernelLayout(gp.spec);
  checkPoints('xc', xc, m, layout.d);
  const mean = new Float64Array(m);
  const variance = new Float64Array(m);
  posteriorInto(gp, xc, 0, m, mean, variance, new Float64Array(gp.n));
  return { mean, variance };
}

/**
 * Unchecked core of {@link posterior}: candidates c0..c0+rows of xc into mean[0..rows),
 * variance[0..rows). `work` has length ≥ n.
 */
export function posteriorInto(
  gp: FittedGP,
  xc: Float64Array,
  c0: number,
  rows: number,
  mean: Float64Array,
  variance: Float64Array,
  work: Float64Array,
): void {
  const { n, chol: l, alpha, x, spec, params } = gp;
  const layout = kernelLayout(spec);
  const w = inverseSquaredLengthscales(params);
  const s2 = params.outputScale;
  const floor = VARIANCE_FLOOR * s2;
  const kind = spec.kind;
  for (let c = 0; c < rows; c++) {
    let mu = 0;
    for (let i = 0; i < n; i++) {
      const k = kernelFromR2(kind, s2, scaledDistance2(layout, w, xc, c0 + c, x, i));
      work[i] = k;
      mu += k * alpha[i]!;
    }
    // Forward substitution L v = k in place, accumulating ‖v‖².
    let q = 0;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const v = (work[i]! - dot(l, ri, work, 0, i)) / l[ri + i]!;
      work[i] = v;
      q += v * v;
    }
    mean[c] = mu;
    const v = s2 - q;
    variance[c] = Math.max(v, floor);
  }
}

/** Posterior at one point with its gradient with respect to the input. */
export interface PosteriorGradient {
  mean: number;
  /** Latent variance, ≥ VARIANCE_FLOOR·outputScale. */
  variance: number;
  /** d, ∂mean/∂x; 0 on categorical dimensions. */
  dMean: Float64Array;
  /** d, ∂variance/∂x; 0 on categorical dimensions, and everywhere when the floor is active. */
  dVariance: Float64Array;
}

/**
 * Posterior mean and variance at one point and their gradients with respect to the continuous
 * input dimensions: ∂μ/∂x = Σ_i α_i ∂k_i/∂x, ∂σ²/∂x = −2 (K⁻¹k)ᵀ ∂k/∂x. Categorical dimensions
 * get gradient 0: the kernel is piecewise constant in them (Hamming distance), so they are
 * searched discretely, not by gradient.
 * @param point d, unit cube.
 */
export function posteriorWithGradient(gp: FittedGP, point: Float64Array): PosteriorGradient {
  const { n, d, chol: l, alpha, x, spec, params } = gp;
  const layout = kernelLayout(spec);
  checkPoints('point', point, 1, d);
  const w = inverseSquaredLengthscales(params);
  const s2 = params.outputScale;
  const kind = spec.kind;
  const k = new Float64Array(n);
  const g = new Float64Array(n);
  let mu = 0;
  for (let i = 0; i < n; i++) {
    const r2 = scaledDistance2(layout, w, point, 0, x, i);
    k[i] = kernelFromR2(kind, s2, r2);
    g[i] = kernelDR2(kind, s2, r2);
    mu += k[i]! * alpha[i]!;
  }
  // v = L⁻¹k, then u = L⁻ᵀv = K⁻¹k.
  const v = new Float64Array(n);
  let q = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = k[i]!;
    for (let j = 0; j < i; j++) s -= l[ri + j]! * v[j]!;
    const vi = s / l[ri + i]!;
    v[i] = vi;
    q += vi * vi;
  }
  const u = solveLowerTransposed(l, n, v, v);
  const raw = s2 - q;
  const floor = VARIANCE_FLOOR * s2;
  const clamped = !(raw > floor);
  const dMean = new Float64Array(d);
  const dVariance = new Float64Array(d);
  const cont = layout.continuous;
  // ∂k_i/∂x_c = ∂k/∂r² · 2 (x_c − X_ic) w_c.
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const am = gi * alpha[i]!;
    const av = clamped ? 0 : -2 * gi * u[i]!;
    const oi = i * d;
    for (let j = 0; j < cont.length; j++) {
      const c = cont[j]!;
      const t = 2 * (point[c]! - x[oi + c]!) * w[j]!;
      dMean[c] = dMean[c]! + am * t;
      dVariance[c] = dVariance[c]! + av * t;
    }
  }
  return { mean: mu, variance: clamped ? floor : raw, dMean, dVariance };
}
