import {
  checkPoints,
  inverseSquaredLengthscales,
  type KernelLayout,
  kernelDR2,
  kernelFromR2,
  kernelLayout,
  scaledDistance2,
} from './kernel.js';
import { rowOffset, solveLowerTransposed } from './linalg.js';
import type { FittedGP, KernelKind } from './types.js';

const SQRT5 = Math.sqrt(5);

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
  posteriorInto(gp, xc, 0, m, mean, variance, new Float64Array(4 * gp.n));
  return { mean, variance };
}

/**
 * Unchecked core of {@link posterior}: candidates c0..c0+rows of xc into mean[0..rows),
 * variance[0..rows). `work` has length ≥ 4n. Candidates go through the forward substitution
 * four at a time (interleaved in `work`), so each element of L is loaded once per four
 * multiply-adds and the four sums are independent.
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
  const z = work;
  const q = new Float64Array(4);
  for (let c = 0; c < rows; c += 4) {
    const lanes = Math.min(4, rows - c);
    for (let t = 0; t < 4; t++) {
      if (t < lanes) {
        kernelColumn(layout, spec.kind, s2, w, xc, c0 + c + t, x, n, z, t);
      } else {
        for (let i = 0; i < n; i++) z[4 * i + t] = 0;
      }
    }
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    let m3 = 0;
    for (let i = 0; i < n; i++) {
      const a = alpha[i]!;
      m0 += a * z[4 * i]!;
      m1 += a * z[4 * i + 1]!;
      m2 += a * z[4 * i + 2]!;
      m3 += a * z[4 * i + 3]!;
    }
    forwardSquaredNorms4(l, n, z, q);
    const ms = [m0, m1, m2, m3];
    for (let t = 0; t < lanes; t++) {
      mean[c + t] = ms[t]!;
      variance[c + t] = Math.max(s2 - q[t]!, floor);
    }
  }
}

/**
 * Kernel rows of candidates c0..c0+rows: out[(c − c0)·n + i] = k(xc_c, x_i), rows×n row-major;
 * posterior means into mean[c − c0].
 */
export function kernelRowsInto(
  gp: FittedGP,
  xc: Float64Array,
  c0: number,
  rows: number,
  out: Float64Array,
  mean: Float64Array,
): void {
  const { n, x, alpha, spec, params } = gp;
  const layout = kernelLayout(spec);
  const w = inverseSquaredLengthscales(params);
  const s2 = params.outputScale;
  const d = layout.d;
  const allContinuous = layout.continuous.length === d;
  const matern = spec.kind === 'matern52';
  // Squared scaled distances first, four candidates at a time against each training point on
  // continuous inputs (each training coordinate loaded once for four of them).
  let c = 0;
  if (allContinuous) {
    for (; c + 3 < rows; c += 4) {
      const o0 = (c0 + c) * d;
      const o1 = o0 + d;
      const o2 = o1 + d;
      const o3 = o2 + d;
      const ro = c * n;
      for (let i = 0; i < n; i++) {
        const oi = i * d;
        let r0 = 0;
        let r1 = 0;
        let r2 = 0;
        let r3 = 0;
        for (let j = 0; j < d; j++) {
          const xi = x[oi + j]!;
          const wj = w[j]!;
          const t0 = xc[o0 + j]! - xi;
          const t1 = xc[o1 + j]! - xi;
          const t2 = xc[o2 + j]! - xi;
          const t3 = xc[o3 + j]! - xi;
          r0 += t0 * t0 * wj;
          r1 += t1 * t1 * wj;
          r2 += t2 * t2 * wj;
          r3 += t3 * t3 * wj;
        }
        out[ro + i] = r0;
        out[ro + n + i] = r1;
        out[ro + 2 * n + i] = r2;
        out[ro + 3 * n + i] = r3;
      }
    }
  }
  for (; c < rows; c++) {
    const ro = c * n;
    for (let i = 0; i < n; i++) out[ro + i] = scaledDistance2(layout, w, xc, c0 + c, x, i);
  }
  // Then the kernel values and the means.
  for (c = 0; c < rows; c++) {
    const ro = c * n;
    let mu = 0;
    for (let i = 0; i < n; i++) {
      const r2 = out[ro + i]!;
      let k: number;
      if (matern) {
        const r = Math.sqrt(r2);
        k = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
      } else {
        k = s2 * Math.exp(-0.5 * r2);
      }
      out[ro + i] = k;
      mu += k * alpha[i]!;
    }
    mean[c] = mu;
  }
}

/**
 * Posterior variances s² − ‖L⁻¹k‖² (floored) of up to four kernel rows of `kRows` (rows×n),
 * the rows `sel[p..p+count)`, into variance[0..count) (`variance` length ≥ 4: all four lanes are
 * written). `z` has length ≥ 4n.
 */
export function variances4(
  gp: FittedGP,
  kRows: Float64Array,
  sel: ArrayLike<number>,
  p: number,
  count: number,
  variance: Float64Array,
  z: Float64Array,
): void {
  const { n, chol: l, params } = gp;
  const s2 = params.outputScale;
  for (let t = 0; t < 4; t++) {
    if (t < count) {
      const o = sel[p + t]! * n;
      for (let i = 0; i < n; i++) z[4 * i + t] = kRows[o + i]!;
    } else {
      for (let i = 0; i < n; i++) z[4 * i + t] = 0;
    }
  }
  forwardSquaredNorms4(l, n, z, variance);
  const floor = VARIANCE_FLOOR * s2;
  for (let t = 0; t < count; t++) variance[t] = Math.max(s2 - variance[t]!, floor);
}

/**
 * Forward substitution L v = k for four interleaved right-hand sides, in place: on entry
 * z[4i + t] = k_t[i] (length ≥ 4n), on exit v_t[i]; q[t] = ‖v_t‖² for t < 4 (`q` length ≥ 4).
 * Each element of L is loaded once per four multiply-adds and the four sums are independent.
 */
function forwardSquaredNorms4(l: Float64Array, n: number, z: Float64Array, q: Float64Array): void {
  let q0 = 0;
  let q1 = 0;
  let q2 = 0;
  let q3 = 0;
  for (let i = 0; i < n; i++) {
    const ri = rowOffset(i);
    const zi = 4 * i;
    let s0 = z[zi]!;
    let s1 = z[zi + 1]!;
    let s2v = z[zi + 2]!;
    let s3 = z[zi + 3]!;
    for (let j = 0; j < i; j++) {
      const a = l[ri + j]!;
      const zj = 4 * j;
      s0 -= a * z[zj]!;
      s1 -= a * z[zj + 1]!;
      s2v -= a * z[zj + 2]!;
      s3 -= a * z[zj + 3]!;
    }
    const inv = 1 / l[ri + i]!;
    s0 *= inv;
    s1 *= inv;
    s2v *= inv;
    s3 *= inv;
    z[zi] = s0;
    z[zi + 1] = s1;
    z[zi + 2] = s2v;
    z[zi + 3] = s3;
    q0 += s0 * s0;
    q1 += s1 * s1;
    q2 += s2v * s2v;
    q3 += s3 * s3;
  }
  q[0] = q0;
  q[1] = q1;
  q[2] = q2;
  q[3] = q3;
}

/** k(xc_c, x_i) for i < n into out[4i + lane]. */
function kernelColumn(
  layout: KernelLayout,
  kind: KernelKind,
  s2: number,
  w: Float64Array,
  xc: Float64Array,
  c: number,
  x: Float64Array,
  n: number,
  out: Float64Array,
  lane: number,
): void {
  const d = layout.d;
  const allContinuous = layout.continuous.length === d;
  const oc = c * d;
  for (let i = 0; i < n; i++) {
    let r2 = 0;
    if (allContinuous) {
      const oi = i * d;
      for (let j = 0; j < d; j++) {
        const t = xc[oc + j]! - x[oi + j]!;
        r2 += t * t * w[j]!;
      }
    } else {
      r2 = scaledDistance2(layout, w, xc, c, x, i);
    }
    if (kind === 'matern52') {
      const r = Math.sqrt(r2);
      out[4 * i + lane] = s2 * (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
    } else {
      out[4 * i + lane] = s2 * Math.exp(-0.5 * r2);
    }
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
    const ri = rowOffset(i);
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
