import { createGPFactor } from './factor.js';
import { checkPoints, type KernelLayout, kernelLayout, validateParams } from './kernel.js';
import { minimizeBounded } from './lbfgsb.js';
import {
  choleskySolve,
  choleskyWithJitter,
  inverseFromCholesky,
  logDetFromCholesky,
  packedLength,
  rowOffset,
} from './linalg.js';
import { mulberry32 } from './random.js';
import type { FittedGP, KernelParams, KernelSpec } from './types.js';

/*
 * Notation: θ = (log ℓ_1 … log ℓ_e, log s², log σ²_noise) — the optimiser works on
 * log-parameters; e = continuous dims + categorical groups. P = n(n−1)/2 pairs (i > j) in the
 * order i = 1…n−1, j = 0…i−1.
 */

const SQRT5 = Math.sqrt(5);

/** Smallest noise variance (standardised units) the fit may choose; Optuna uses the same floor. */
export const NOISE_FLOOR = 1e-6;
/** Box on the fitted parameters (standardised units; inputs in the unit cube). */
export const PARAM_BOUNDS = {
  lengthscale: [1e-3, 1e3],
  outputScale: [1e-3, 1e3],
  noise: [NOISE_FLOOR, 1],
} as const;

/**
 * Hyperparameter priors (added to the log marginal likelihood; the fit is a MAP estimate of
 * ℓ, s², σ² — no change-of-variables term for the log parametrisation, as in Optuna):
 * - 'optuna' (default): Optuna's GPSampler priors (optuna/_gp/prior.py), tuned on the same kind
 *   of low-dimensional HPO problems webtune targets: log p(ℓ) = −0.1(ℓ² + 1/ℓ²) per
 *   lengthscale (a two-sided penalty on the inverse squared lengthscale λ, −0.1(λ + 1/λ)), which
 *   keeps ℓ in roughly [0.1, 10] on the unit cube unless the data insist; s² ~ Gamma(2, 1), which
 *   keeps the standardised output scale near 1; σ² ~ Gamma(1.1, 30), which pushes noise towards
 *   the floor for the mostly deterministic objectives of HPO benchmarks.
 * - 'dimensionScaled': BoTorch's default since 2024 (Hvarfner et al. 2024, "Vanilla Bayesian
 *   Optimization Performs Great in High Dimensions"): ℓ ~ LogNormal(√2 + ½ log d, √3), so the
 *   prior lengthscale grows with √d; s² and σ² keep the 'optuna' priors.
 */
export type GPPrior = 'optuna' | 'dimensionScaled';

/** Options of {@link fitGP}. */
export interface FitOptions {
  kernel: KernelSpec;
  /** Random starts besides the warm start and the default start (default 2). */
  restarts?: number;
  /** Previous fit's parameters: optimised first, so refits after one new point are cheap. */
  warmStart?: KernelParams;
  /**
   * Also optimise from the default start (ℓ = 1, s² = 1, σ² = 1e-2) (default true). Set false
   * for cheap refits that trust `warmStart`; ignored (treated as true) without a warm start.
   */
  defaultStart?: boolean;
  /** Uniform [0, 1) source for the random starts (default: a fixed-seed generator, seed 0). */
  random?: () => number;
  /** L-BFGS iterations per start (default 100). */
  maxIterations?: number;
  /** Fix the noise variance (standardised units, ≥ 0) instead of fitting it, e.g. NOISE_FLOOR for deterministic objectives. */
  fixedNoise?: number;
  /** Hyperparameter prior (default 'optuna'). */
  prior?: GPPrior;
  /** Stop a start when the ∞-norm of the projected gradient of the log posterior is below this (default 1e-2, as Optuna). */
  tolerance?: number;
}

/**
 * Standardises y: non-finite values (failed trials, ±∞) are replaced first — NaN and +∞ by the
 * worst (largest) finite value, −∞ by the best (smallest) — then y_std = (y − mean)/std, with
 * std = 1 when y is constant or n = 1. Safe for |y| up to the largest double.
 * @throws when n is not an integer ≥ 1, y holds fewer than n values, or no value is finite.
 */
export function standardize(
  y: Float64Array,
  n: number,
): { ys: Float64Array; mean: number; std: number } {
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`standardize: n (${n}) must be an integer ≥ 1`);
  if (!(y instanceof Float64Array) || y.length < n) {
    throw new Error(`y: length ${y?.length} must be ≥ n (${n})`);
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) throw new Error(`y: none of the ${n} values is finite`);
  const clean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    clean[i] = Number.isFinite(v) ? v : v === Number.NEGATIVE_INFINITY ? lo : hi;
  }
  // Centre on the midrange and scale by the range first, so sums cannot overflow.
  const mid = lo / 2 + hi / 2;
  const range = hi / 2 - lo / 2;
  const scale = range > 0 ? range : 1;
  let m = 0;
  for (let i = 0; i < n; i++) m += (clean[i]! - mid) / scale;
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const t = (clean[i]! - mid) / scale - m;
    v += t * t;
  }
  v /= n;
  const sd = Math.sqrt(v);
  const ok = sd > 1e-12 && Number.isFinite(sd * scale) && sd * scale > 0;
  const mean = mid + m * scale;
  const std = ok ? sd * scale : 1;
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ys[i] = ok ? ((clean[i]! - mid) / scale - m) / sd : (clean[i]! - mid) / scale - m;
  }
  return { ys, mean, std };
}

/**
 * Per-pair squared differences, P×e, pair-major: for continuous dim c, (x_ic − x_jc)²; for a
 * categorical group, 1 when the one-hot blocks differ, else 0. Computed once per fit and reused
 * by every likelihood evaluation.
 */
function pairFeatures(layout: KernelLayout, x: Float64Array, n: number): Float64Array {
  const { d, continuous, groups, e } = layout;
  const nc = continuous.length;
  const out = new Float64Array(((n * (n - 1)) / 2) * e);
  let p = 0;
  for (let i = 1; i < n; i++) {
    const oi = i * d;
    for (let j = 0; j < i; j++, p += e) {
      const oj = j * d;
      for (let c = 0; c < nc; c++) {
        const t = x[oi + continuous[c]!]! - x[oj + continuous[c]!]!;
        out[p + c] = t * t;
      }
      for (let g = 0; g < groups.length; g += 2) {
        const start = groups[g]!;
        const end = start + groups[g + 1]!;
        let differ = 0;
        for (let q = start; q < end; q++) {
          if (x[oi + q] !== x[oj + q]) {
            differ = 1;
            break;
          }
        }
        out[p + nc + (g >> 1)] = differ;
      }
    }
  }
  return out;
}

/**
 * The negative log posterior −(LML + log prior) over θ with its analytic gradient, for one data
 * set; all buffers allocated once. Exposed for tests and for callers that optimise θ themselves.
 */
export interface LogPosteriorObjective {
  /** Number of parameters: e + 2, or e + 1 with fixed noise (noise is last). */
  readonly k: number;
  /** −(LML + log prior) at θ, gradient into `grad`; +∞ when K is not PD even with jitter. */
  evaluate(theta: Float64Array, grad: Float64Array): number;
  /** LML (priors excluded) at the last evaluated θ. */
  lastLml(): number;
  /** θ → KernelParams. */
  params(theta: Float64Array): KernelParams;
  /** KernelParams → θ (clamped to the bounds). */
  theta(params: KernelParams): Float64Array;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/**
 * Builds the objective minimised by {@link fitGP}.
 * @param x n×d, row-major, unit cube. @param ys n, standardised outputs.
 */
export function logPosteriorObjective(
  spec: KernelSpec,
  x: Float64Array,
  ys: Float64Array,
  n: number,
  options: { fixedNoise?: number; prior?: GPPrior } = {},
): LogPosteriorObjective {
  const layout = kernelLayout(spec);
  const { e } = layout;
  const matern = spec.kind === 'matern52';
  const fixedNoise = options.fixedNoise;
  const prior = options.prior ?? 'optuna';
  const fitNoise = fixedNoise === undefined;
  const k = e + (fitNoise ? 2 : 1);
  const feats = pairFeatures(layout, x, n);
  const P = (n * (n - 1)) / 2;
  const kmat = new Float64Array(packedLength(n));
  const l = new Float64Array(packedLength(n));
  const inv = new Float64Array(packedLength(n));
  const work = new Float64Array(n * n);
  const alpha = new Float64Array(n);
  const gPair = new Float64Array(P);
  const kPair = new Float64Array(P);
  const w = new Float64Array(e);
  let lml = Number.NaN;
  const lnMu = Math.SQRT2 + 0.5 * Math.log(spec.d);
  const lnVar = 3;

  const lower = new Float64Array(k);
  const upper = new Float64Array(k);
  for (let j = 0; j < e; j++) {
    lower[j] = Math.log(PARAM_BOUNDS.lengthscale[0]);
    upper[j] = Math.log(PARAM_BOUNDS.lengthscale[1]);
  }
  lower[e] = Math.log(PARAM_BOUNDS.outputScale[0]);
  upper[e] = Math.log(PARAM_BOUNDS.outputScale[1]);
  if (fitNoise) {
    lower[e + 1] = Math.log(PARAM_BOUNDS.noise[0]);
    upper[e + 1] = Math.log(PARAM_BOUNDS.noise[1]);
  }

  const evaluate = (theta: Float64Array, grad: Float64Array): number => {
    for (let j = 0; j < e; j++) w[j] = Math.exp(-2 * theta[j]!);
    const s2 = Math.exp(theta[e]!);
    const noise = fitNoise ? Math.exp(theta[e + 1]!) : fixedNoise;
    for (let i = 0; i < n; i++) kmat[rowOffset(i) + i] = s2 + noise;
    let p = 0;
    for (let i = 1; i < n; i++) {
      const ri = rowOffset(i);
      for (let j = 0; j < i; j++, p++) {
        const o = p * e;
        let r2 = 0;
        for (let c = 0; c < e; c++) r2 += feats[o + c]! * w[c]!;
        let kv: number;
        if (matern) {
          const r = Math.sqrt(r2);
          const ex = s2 * Math.exp(-SQRT5 * r);
          const a = 1 + SQRT5 * r;
          kv = (a + (5 / 3) * r2) * ex;
          gPair[p] = (-5 / 6) * a * ex;
        } else {
          kv = s2 * Math.exp(-0.5 * r2);
          gPair[p] = -0.5 * kv;
        }
        kPair[p] = kv;
        kmat[ri + j] = kv;
      }
    }
    const jitter = choleskyWithJitter(kmat, n, l);
    if (jitter < 0) {
      lml = Number.NaN;
      return Number.POSITIVE_INFINITY;
    }
    choleskySolve(l, n, ys, alpha);
    let quad = 0;
    for (let i = 0; i < n; i++) quad += ys[i]! * alpha[i]!;
    lml = -0.5 * quad - 0.5 * logDetFromCholesky(l, n) - 0.5 * n * Math.log(2 * Math.PI);
    inverseFromCholesky(l, n, inv, work);
    // ∂LML/∂θ = ½ tr((ααᵀ − K⁻¹) ∂K/∂θ), summed over pairs (twice) and the diagonal.
    grad.fill(0);
    let gScale = 0;
    p = 0;
    for (let i = 1; i < n; i++) {
      const ri = rowOffset(i);
      const ai = alpha[i]!;
      for (let j = 0; j < i; j++, p++) {
        const wij = ai * alpha[j]! - inv[ri + j]!;
        gScale += wij * kPair[p]!;
        const t = wij * gPair[p]!;
        const o = p * e;
        for (let c = 0; c < e; c++) grad[c] = grad[c]! + t * feats[o + c]!;
      }
    }
    let trW = 0;
    for (let i = 0; i < n; i++) trW += alpha[i]! * alpha[i]! - inv[rowOffset(i) + i]!;
    // Pairs count twice in the trace; ∂K_ij/∂θ_c = ∂k/∂r² · (−2 w_c D_ij,c).
    for (let c = 0; c < e; c++) grad[c] = -2 * w[c]! * grad[c]!;
    grad[e] = gScale + 0.5 * s2 * trW;
    if (fitNoise) grad[e + 1] = 0.5 * noise * trW;
    // Log priors and their θ-gradients.
    let lp = 0;
    for (let c = 0; c < e; c++) {
      const th = theta[c]!;
      if (prior === 'optuna') {
        const l2 = Math.exp(2 * th);
        lp += -0.1 * (l2 + 1 / l2);
        grad[c] = grad[c]! - 0.2 * (l2 - 1 / l2);
      } else {
        const u = th - lnMu;
        lp += -th - (u * u) / (2 * lnVar);
        grad[c] = grad[c]! - 1 - u / lnVar;
      }
    }
    lp += theta[e]! - s2;
    grad[e] = grad[e]! + 1 - s2;
    if (fitNoise) {
      lp += 0.1 * theta[e + 1]! - 30 * noise;
      grad[e + 1] = grad[e + 1]! + 0.1 - 30 * noise;
    }
    for (let c = 0; c < k; c++) grad[c] = -grad[c]!;
    return -(lml + lp);
  };

  const params = (theta: Float64Array): KernelParams => {
    const lengthscales = new Float64Array(e);
    for (let j = 0; j < e; j++) lengthscales[j] = Math.exp(theta[j]!);
    return {
      lengthscales,
      outputScale: Math.exp(theta[e]!),
      noise: fitNoise ? Math.exp(theta[e + 1]!) : fixedNoise,
    };
  };
  const theta = (pr: KernelParams): Float64Array => {
    const t = new Float64Array(k);
    for (let j = 0; j < e; j++) t[j] = Math.log(pr.lengthscales[j]!);
    t[e] = Math.log(pr.outputScale);
    if (fitNoise) t[e + 1] = Math.log(Math.max(pr.noise, NOISE_FLOOR));
    for (let j = 0; j < k; j++) t[j] = Math.min(upper[j]!, Math.max(lower[j]!, t[j]!));
    return t;
  };
  return { k, evaluate, lastLml: () => lml, params, theta, lower, upper };
}

/**
 * Fits a GP to (x, y): standardises y (see {@link standardize}), then maximises
 * LML(θ) + log prior(θ) over log-parameters with analytic gradients and projected L-BFGS from
 * several starts — the warm start (if given), the default start (ℓ = 1, s² = 1, σ² = 1e-2, or
 * the fixed noise), and `restarts` random starts drawn from `random` — keeping the best.
 * Cost per likelihood evaluation ≈ n³/2 multiply-adds (Cholesky + inverse).
 * @param x n×d, row-major, unit cube (copied). @param y n, raw objective values (minimised).
 * @throws on bad arguments, before any work.
 */
export function fitGP(x: Float64Array, y: Float64Array, n: number, options: FitOptions): FittedGP {
  const spec = options.kernel;
  const layout = kernelLayout(spec);
  const { d, e } = layout;
  if (!Number.isInteger(n) || n < 1) throw new Error(`fitGP: n (${n}) must be an integer ≥ 1`);
  checkPoints('x', x, n, d);
  if (!(y instanceof Float64Array) || y.length < n) {
    throw new Error(`y: must be a Float64Array of length ≥ n (${n}), got ${y?.length}`);
  }
  for (let i = 0; i < n * d; i++) {
    if (!Number.isFinite(x[i]!)) throw new Error(`x[${i}]: ${x[i]} must be finite`);
  }
  const restarts = options.restarts ?? 2;
  if (!Number.isInteger(restarts) || restarts < 0) {
    throw new Error(`fitGP: restarts (${restarts}) must be an integer ≥ 0`);
  }
  const maxIterations = options.maxIterations ?? 100;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new Error(`fitGP: maxIterations (${maxIterations}) must be an integer ≥ 0`);
  }
  const { fixedNoise } = options;
  if (fixedNoise !== undefined && (!(fixedNoise >= 0) || !Number.isFinite(fixedNoise))) {
    throw new Error(`fitGP: fixedNoise (${fixedNoise}) must be finite and ≥ 0`);
  }
  const prior = options.prior ?? 'optuna';
  if (prior !== 'optuna' && prior !== 'dimensionScaled') {
    throw new Error(`fitGP: prior '${String(prior)}' must be 'optuna' or 'dimensionScaled'`);
  }
  const tolerance = options.tolerance ?? 1e-2;
  if (!(tolerance > 0) || !Number.isFinite(tolerance)) {
    throw new Error(`fitGP: tolerance (${tolerance}) must be finite and > 0`);
  }
  const warm = options.warmStart;
  if (warm) {
    if (warm.lengthscales?.length !== e) {
      throw new Error(
        `fitGP: warmStart.lengthscales has length ${warm.lengthscales?.length}, the kernel needs ${e}`,
      );
    }
    validateParams(layout, warm);
  }
  const random = options.random ?? mulberry32(0);

  const xs = x.slice(0, n * d);
  const { ys, mean, std } = standardize(y, n);
  const objOptions: { fixedNoise?: number; prior?: GPPrior } = { prior };
  if (fixedNoise !== undefined) objOptions.fixedNoise = fixedNoise;
  const obj = logPosteriorObjective(spec, xs, ys, n, objOptions);

  const starts: Float64Array[] = [];
  if (warm) starts.push(obj.theta(warm));
  if (!warm || options.defaultStart !== false)
    starts.push(
      obj.theta({
        lengthscales: new Float64Array(e).fill(1),
        outputScale: 1,
        noise: fixedNoise ?? 1e-2,
      }),
    );
  for (let r = 0; r < restarts; r++) {
    const t = new Float64Array(obj.k);
    for (let j = 0; j < e; j++) t[j] = Math.log(0.05) + random() * Math.log(100);
    t[e] = Math.log(0.2) + random() * Math.log(25);
    if (obj.k > e + 1) t[e + 1] = Math.log(1e-6) + random() * Math.log(1e5);
    starts.push(t);
  }

  let best: Float64Array | undefined;
  let bestF = Number.POSITIVE_INFINITY;
  for (const t0 of starts) {
    const res = minimizeBounded(obj.evaluate, t0, {
      lower: obj.lower,
      upper: obj.upper,
      maxIterations,
      pgtol: tolerance,
    });
    if (res.f < bestF) {
      bestF = res.f;
      best = res.x;
    }
  }
  if (!best) {
    throw new Error(
      `fitGP: the kernel matrix was not positive definite at any start (n = ${n}, d = ${d})`,
    );
  }
  return conditionGP(spec, obj.params(best), xs, n, ys, mean, std);
}

/**
 * Conditions a GP with given hyperparameters on standardised data (no fitting): Cholesky of K
 * (with jitter when needed, reported in `jitter`), α = K⁻¹ y_std, and the LML. The result is a
 * view of a {@link GPFactor} (`gp.factor`) that can take more points in O(n²) each.
 * @param x n×d row-major (copied). @param ys n, standardised outputs.
 * @throws on non-finite ys or x (before any work), and when K is not positive definite even with
 * the largest jitter.
 */
export function conditionGP(
  spec: KernelSpec,
  params: KernelParams,
  x: Float64Array,
  n: number,
  ys: Float64Array,
  yMean: number,
  yStd: number,
): FittedGP {
  if (!(ys instanceof Float64Array) || ys.length < n) {
    throw new Error(`conditionGP: ys has length ${ys?.length}, needs n = ${n}`);
  }
  if (!Number.isFinite(yMean) || !(yStd > 0) || !Number.isFinite(yStd)) {
    throw new Error(
      `conditionGP: yMean (${yMean}) must be finite and yStd (${yStd}) finite and > 0`,
    );
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(ys[i]!)) throw new Error(`ys[${i}]: ${ys[i]} must be finite`);
  }
  return createGPFactor(spec, params, x, n).condition(ys, yMean, yStd);
}
