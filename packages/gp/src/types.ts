/*
 * Notation used across @webtune/gp (as in Optuna's _gp/gp.py):
 *   n  training points, d input dimensions, m candidates, k top-k size.
 *   X  n×d, row-major Float64Array, points of the unit cube.
 *   y  n, the observed values (any units; the GP standardises them).
 *   Xc m×d, row-major, candidate points.
 *   K  n×n kernel matrix of X with noise on the diagonal; L its lower Cholesky factor, packed:
 *      row i (columns 0…i) at offset i(i+1)/2, n(n+1)/2 values.
 * Every model minimises: lower y is better; callers that maximise negate y.
 */

import type { GPFactor } from './factor.js';

export type KernelKind = 'matern52' | 'rbf';

/** A contiguous block of one-hot dimensions (one categorical parameter) in the input. */
export interface InputGroup {
  start: number;
  size: number;
}

/**
 * Which kernel, on which inputs. Dimensions outside `categoricalGroups` are continuous and get
 * one ARD lengthscale each; each categorical group gets one lengthscale and contributes a
 * Hamming-style distance (1 when the one-hot blocks differ, 0 when they are equal), so
 * categories are not treated as ordered numbers.
 */
export interface KernelSpec {
  kind: KernelKind;
  d: number;
  categoricalGroups?: readonly InputGroup[];
}

/**
 * Kernel hyperparameters: k(a, b) = outputScale · base(r) (+ noise when a is b), with
 * r² = Σ_continuous ((a_i − b_i) / ℓ_i)² + Σ_groups (hamming_g(a, b) / ℓ_g)².
 * `lengthscales` holds the continuous dimensions in input order, then one per categorical group.
 * `outputScale` and `noise` are in standardised-output units (variance).
 */
export interface KernelParams {
  lengthscales: Float64Array;
  outputScale: number;
  noise: number;
}

/** A GP conditioned on data: everything prediction needs, on every backend. */
export interface FittedGP {
  readonly spec: KernelSpec;
  readonly params: KernelParams;
  readonly n: number;
  readonly d: number;
  /** The training inputs, row-major: the first n rows of d (the array may be longer). */
  readonly x: Float64Array;
  /** Standardisation: y_std = (y − yMean) / yStd. */
  readonly yMean: number;
  readonly yStd: number;
  /** n, K⁻¹ y_std. */
  readonly alpha: Float64Array;
  /** Lower Cholesky factor of K, packed: row i at offset i(i+1)/2 (the array may be longer). */
  readonly chol: Float64Array;
  /** Jitter added to the diagonal to make K positive definite (0 when none was needed). */
  readonly jitter: number;
  /** Log marginal likelihood of y_std under the fitted hyperparameters (priors excluded). */
  readonly logMarginalLikelihood: number;
  /**
   * The growing factor this GP is a view of, and its generation when the view was made: a
   * backend that keeps L on a device can upload only the rows appended since (see
   * {@link GPFactor.stableRows}).
   */
  readonly factor?: GPFactor;
  readonly factorGeneration?: number;
}

export type AcquisitionKind = 'ei' | 'logEI' | 'pi' | 'ucb';

/**
 * What to score, always for minimisation in the GP's standardised units:
 * - ei / logEI / pi: improvement below `best` (the incumbent, standardised).
 * - ucb: the lower confidence bound, scored as −(μ − √beta · σ) so that larger is better.
 * Every acquisition value is "larger is better".
 */
export interface AcquisitionSpec {
  kind: AcquisitionKind;
  /** Incumbent in standardised units (for ei, logEI, pi). */
  best: number;
  /** Exploration weight for ucb (default 4, i.e. 2σ). */
  beta?: number;
  /** Improvement margin ξ ≥ 0 for ei, logEI, pi (default 0). */
  xi?: number;
}

/** The k best candidates by acquisition value, best first. */
export interface TopK {
  /** k, indices into the candidate set. */
  index: Uint32Array;
  /** k, acquisition values. */
  value: Float64Array;
}

/** A backend that scores candidates against a fitted GP (the hot loop of a suggestion). */
export interface SurrogateBackend {
  readonly name: 'cpu' | 'webgpu';
  /** Why this backend was chosen (for 'auto'), or a description of the adapter. */
  readonly description: string;
  /** Posterior mean and variance (standardised units) of m candidates. */
  predict(
    gp: FittedGP,
    xc: Float64Array,
    m: number,
  ): Promise<{ mean: Float64Array; variance: Float64Array }>;
  /** Acquisition of m candidates, returning the k best. */
  scoreTopK(
    gp: FittedGP,
    xc: Float64Array,
    m: number,
    acquisition: AcquisitionSpec,
    k: number,
  ): Promise<TopK>;
  destroy(): void;
}
