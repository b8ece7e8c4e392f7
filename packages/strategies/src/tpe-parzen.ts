import type { Rng } from '@webtune/core';
import { type ParamJSON, type ParamValue, steppedValues } from '@webtune/space';
import { LOG_SQRT_2PI, logGaussMass, logSumExp } from './tpe-math.js';

/**
 * One parameter as the Parzen estimators see it (Optuna 3.1's transformed domain). Numeric
 * parameters live in a transformed space (log where `log`) on the interval [a, b]; discrete ones
 * (ints and stepped floats, not log) are the `n` values k = 0 … n−1, value k owning the cell
 * [edge(k), edge(k+1)] of [a, b] (the range widened by half a step each side). Log ints are
 * continuous on [log(low − ½), log(high + ½)], their draws rounded. Internal values: a continuous
 * parameter is its transformed value x (log ints: the log of an integer), a discrete one its
 * index k, a categorical one its choice index.
 */
export type TpeDim = NumericDim | CategoricalDim;

export interface NumericDim {
  readonly kind: 'numeric';
  readonly name: string;
  /** Transformed bounds, a < b. */
  readonly a: number;
  readonly b: number;
  /** Number of values of a discrete parameter; undefined for a continuous one. */
  readonly n: number | undefined;
  /** Transformed centre of value k (discrete) — where an observation's kernel sits. */
  center(k: number): number;
  /** Lower edge of value k's cell (discrete); edge(n) = b. */
  edge(k: number): number;
  /** Transformed x → internal value (x itself, or the index of the cell holding x). */
  internal(x: number): number;
  /** Internal value → parameter value. */
  value(internal: number): number;
  /** Parameter value → internal value, or undefined when it is not a value of the parameter. */
  parse(v: ParamValue): number | undefined;
}

export interface CategoricalDim {
  readonly kind: 'categorical';
  readonly name: string;
  readonly choices: readonly ParamValue[];
  value(internal: number): ParamValue;
  parse(v: ParamValue): number | undefined;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(Math.max(x, lo), hi);

/**
 * The estimator's view of a parameter, or undefined when it takes a single value (nothing to
 * model: low = high, or one choice).
 */
export function tpeDim(name: string, json: ParamJSON): TpeDim | undefined {
  if (json.type === 'categorical') {
    if (json.choices.length < 2) return undefined;
    const choices = json.choices;
    return {
      kind: 'categorical',
      name,
      choices,
      value: (i) => choices[i]!,
      parse: (v) => {
        const i = choices.indexOf(v);
        return i < 0 ? undefined : i;
      },
    };
  }
  const { low, high } = json;
  if (!(high > low)) return undefined;
  const log = json.log === true;
  const step = json.step ?? (json.type === 'int' ? 1 : undefined);
  if (step === undefined) {
    const a = log ? Math.log(low) : low;
    const b = log ? Math.log(high) : high;
    return {
      kind: 'numeric',
      name,
      a,
      b,
      n: undefined,
      center: (x) => x,
      edge: (x) => x,
      internal: (x) => clamp(x, a, b),
      value: (x) => clamp(log ? Math.exp(x) : x, low, high),
      parse: (v) =>
        typeof v === 'number' && v >= low && v <= high ? (log ? Math.log(v) : v) : undefined,
    };
  }
  if (log) {
    // Log ints, as Optuna 3.1: a continuous kernel on [log(low − ½), log(high + ½)]; a draw is
    // rounded to the nearest integer and scored by the density at its log.
    const a = Math.log(low - 0.5);
    const b = Math.log(high + 0.5);
    const snap = (x: number) => clamp(Math.round(Math.exp(x)), low, high);
    return {
      kind: 'numeric',
      name,
      a,
      b,
      n: undefined,
      center: (x) => x,
      edge: (x) => x,
      internal: (x) => Math.log(snap(x)),
      value: snap,
      parse: (v) =>
        typeof v === 'number' && Number.isInteger(v) && v >= low && v <= high
          ? Math.log(v)
          : undefined,
    };
  }
  const { n, valueAt, indexOf } = steppedValues(json.type, low, high, step);
  return {
    kind: 'numeric',
    name,
    a: low - step / 2,
    b: high + step / 2,
    n,
    center: (k) => low + k * step,
    edge: (k) => low + (k - 0.5) * step,
    internal: (x) => clamp(Math.round((x - low) / step), 0, n - 1),
    value: valueAt,
    parse: (v) => {
      const k = typeof v === 'number' ? indexOf(v) : -1;
      return k >= 0 ? k : undefined;
    },
  };
}

/** Options of a {@link ParzenEstimator} (Optuna's `_ParzenEstimatorParameters`). */
export interface ParzenOptions {
  /** Weight of the prior component relative to observation weights (Optuna: prior_weight). */
  priorWeight: number;
  /** A joint model of several parameters (with `'optuna3'` bandwidths: the Scott-like rule). */
  multivariate: boolean;
  /** Neighbour rule: let the outermost kernels use the distance to the bounds. */
  considerEndpoints: boolean;
  /** See {@link TpeBandwidth}. */
  bandwidth: TpeBandwidth;
  /**
   * Score with each continuous kernel's weight multiplied by its width σ, as Optuna 3.1 does (its
   * truncated-normal log density leaves out −log σ). Sampling is unaffected. Default false.
   */
  widthWeighted?: boolean;
}

/**
 * How kernel widths are chosen:
 * - `'neighbours'` (Optuna ≥ 4, univariate and multivariate alike): σ_i = the larger distance from
 *   μ_i to its sorted neighbours among the observations, the bounds counted as neighbours;
 * - `'optuna3'`: univariate as above with the prior mean (a+b)/2 among the neighbours;
 *   multivariate Optuna 3.x's Scott-like σ = 0.2 · max(N, 1)^(−1/(d+4)) · (b − a).
 */
export type TpeBandwidth = 'neighbours' | 'optuna3';

interface NumericKernels {
  kind: 'numeric';
  dim: NumericDim;
  /** K (components: observations, then the prior). */
  mus: Float64Array;
  sigmas: Float64Array;
  /** log mass of each component on [a, b]. */
  logMass: Float64Array;
  /** K: log σ, the density's normalisation; 0 with `widthWeighted` (Optuna 3.1's scoring). */
  logScale: Float64Array;
}

interface CategoricalKernels {
  kind: 'categorical';
  dim: CategoricalDim;
  /** K×C, row-major: log probability of each choice under each component. */
  logProbs: Float64Array;
  /** K×C, row-major: the same, cumulative and not logged, for sampling. */
  cumulative: Float64Array;
}

/** Optuna's `default_weights`: 1 each below 25 observations; above, a linear ramp from 1/n up to 1 for all but the 25 newest. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const out: number[] = [];
  for (let i = 0; i < ramp; i++)
    out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

/**
 * A Parzen estimator over a group of parameters, as Optuna's `_ParzenEstimator`: a mixture with
 * one component per observation plus a prior component, product kernels across the group's
 * parameters. Numeric parameters get truncated Gaussians on [a, b] in the transformed space
 * (discrete ones the Gaussian's mass on each value's cell); categoricals get a categorical
 * distribution per component (observed choice + 1, every choice + priorWeight/K, normalised).
 *
 * Bandwidths per numeric parameter ({@link TpeBandwidth}): the neighbour rule of Bergstra et al.
 * 2011 (unless `considerEndpoints`, the outermost kernels use their inner neighbour only), or with
 * `'optuna3'` Optuna 3.x's variants; then Optuna's "magic clip" to
 * [(b − a)/min(100, N + 2), b − a] for N observations. The prior component is
 * N((a+b)/2, (b − a)) truncated to [a, b].
 */
export class ParzenEstimator {
  readonly dims: readonly TpeDim[];
  /** K: log of each component's normalised weight. */
  readonly logWeights: Float64Array;
  readonly #cumWeights: Float64Array;
  readonly #kernels: (NumericKernels | CategoricalKernels)[];

  /**
   * @param observations N×d internal values (see {@link TpeDim}), oldest first.
   * @param weights N positive observation weights (e.g. {@link defaultWeights}).
   */
  constructor(
    dims: readonly TpeDim[],
    observations: readonly (readonly number[])[],
    weights: readonly number[],
    options: ParzenOptions,
  ) {
    this.dims = dims;
    const nObs = observations.length;
    const k = nObs + 1;
    const w = new Float64Array(k);
    for (let i = 0; i < nObs; i++) w[i] = weights[i]!;
    w[nObs] = nObs === 0 ? 1 : options.priorWeight;
    let total = 0;
    for (const x of w) total += x;
    this.logWeights = w.map((x) => Math.log(x / total));
    this.#cumWeights = new Float64Array(k);
    let acc = 0;
    for (let i = 0; i < k; i++) {
      acc += w[i]! / total;
      this.#cumWeights[i] = acc;
    }
    this.#kernels = dims.map((dim, j) => {
      const column = observations.map((o) => o[j]!);
      return dim.kind === 'numeric'
        ? numericKernels(dim, column, dims.length, options)
        : categoricalKernels(dim, column, options.priorWeight);
    });
  }

  /**
   * Parameter j's kernel means and widths (K each: observations in the given order, then the
   * prior), in transformed units; undefined for a categorical parameter.
   */
  kernels(j: number): { mus: Float64Array; sigmas: Float64Array } | undefined {
    const kern = this.#kernels[j];
    return kern?.kind === 'numeric' ? { mus: kern.mus, sigmas: kern.sigmas } : undefined;
  }

  /** Number of components (observations + prior). */
  get components(): number {
    return this.logWeights.length;
  }

  /** m×d internal values drawn from the mixture: one component per sample, then each parameter from it. */
  sample(rng: Rng, m: number): number[][] {
    const out: number[][] = [];
    for (let s = 0; s < m; s++) {
      const c = pick(this.#cumWeights, 0, this.#cumWeights.length, rng.random());
      out.push(
        this.#kernels.map((kern) => {
          if (kern.kind === 'categorical') {
            const nc = kern.dim.choices.length;
            return pick(kern.cumulative, c * nc, nc, rng.random());
          }
          const x = sampleTruncNormal(rng, kern.mus[c]!, kern.sigmas[c]!, kern.dim.a, kern.dim.b);
          return kern.dim.internal(x);
        }),
      );
    }
    return out;
  }

  /** log density (continuous) or log mass (discrete, categorical) of each m×d internal sample. */
  logPdf(samples: readonly (readonly number[])[]): Float64Array {
    const out = new Float64Array(samples.length);
    const k = this.components;
    const terms = new Float64Array(k);
    for (let s = 0; s < samples.length; s++) {
      const x = samples[s]!;
      terms.set(this.logWeights);
      for (let j = 0; j < this.#kernels.length; j++) {
        const kern = this.#kernels[j]!;
        const v = x[j]!;
        if (kern.kind === 'categorical') {
          const nc = kern.dim.choices.length;
          for (let c = 0; c < k; c++) terms[c]! += kern.logProbs[c * nc + v]!;
          continue;
        }
        const { dim, mus, sigmas, logMass, logScale } = kern;
        if (dim.n === undefined) {
          for (let c = 0; c < k; c++) {
            const z = (v - mus[c]!) / sigmas[c]!;
            terms[c]! += -0.5 * z * z - logScale[c]! - LOG_SQRT_2PI - logMass[c]!;
          }
        } else {
          const lo = dim.edge(v);
          const hi = dim.edge(v + 1);
          for (let c = 0; c < k; c++) {
            const mu = mus[c]!;
            const sigma = sigmas[c]!;
            terms[c]! += logGaussMass((lo - mu) / sigma, (hi - mu) / sigma) - logMass[c]!;
          }
        }
      }
      out[s] = logSumExp(terms);
    }
    return out;
  }
}

/** Index i in [start, start+len) of the first cumulative value above u (the last one on round-off). */
function pick(cumulative: Float64Array, start: number, len: number, u: number): number {
  const total = cumulative[start + len - 1]!;
  for (let i = 0; i < len; i++) if (u * total < cumulative[start + i]!) return i;
  return len - 1;
}

/**
 * N(mu, sigma) conditioned on [a, b], by rejection. Every kernel here has its mean inside [a, b]
 * and sigma ≤ b − a, so at least Φ(1) − ½ ≈ 0.34 of its mass lies inside: a handful of draws.
 */
export function sampleTruncNormal(
  rng: Rng,
  mu: number,
  sigma: number,
  a: number,
  b: number,
): number {
  for (let i = 0; i < 1000; i++) {
    const x = mu + sigma * rng.normal();
    if (x >= a && x <= b) return x;
  }
  return clamp(mu, a, b);
}

function numericKernels(
  dim: NumericDim,
  column: readonly number[],
  nParams: number,
  options: ParzenOptions,
): NumericKernels {
  const { a, b } = dim;
  const range = b - a;
  const nObs = column.length;
  const mus = new Float64Array(nObs + 1);
  for (let i = 0; i < nObs; i++) mus[i] = dim.n === undefined ? column[i]! : dim.center(column[i]!);
  const priorMu = 0.5 * (a + b);
  mus[nObs] = priorMu;
  const sigmas = new Float64Array(nObs + 1);
  if (options.multivariate && options.bandwidth === 'optuna3') {
    sigmas.fill(0.2 * Math.max(nObs, 1) ** (-1 / (nParams + 4)) * range);
  } else {
    // Neighbour rule over the observations (and, Optuna 3.x's variant, the prior mean), with the
    // bounds as sentinels.
    const m = options.bandwidth === 'neighbours' ? nObs : nObs + 1;
    const order = Array.from({ length: m }, (_, i) => i).sort((p, q) => mus[p]! - mus[q]!);
    const sorted = [a, ...order.map((i) => mus[i]!), b];
    for (let r = 0; r < m; r++) {
      let s = Math.max(sorted[r + 1]! - sorted[r]!, sorted[r + 2]! - sorted[r + 1]!);
      if (!options.considerEndpoints && m >= 2) {
        if (r === 0) s = sorted[2]! - sorted[1]!;
        else if (r === m - 1) s = sorted[m]! - sorted[m - 1]!;
      }
      sigmas[order[r]!] = s;
    }
  }
  const minSigma = range / Math.min(100, nObs + 2);
  for (let i = 0; i < nObs; i++) sigmas[i] = clamp(sigmas[i]!, minSigma, range);
  sigmas[nObs] = range;
  const logMass = new Float64Array(nObs + 1);
  for (let i = 0; i <= nObs; i++) {
    logMass[i] = logGaussMass((a - mus[i]!) / sigmas[i]!, (b - mus[i]!) / sigmas[i]!);
  }
  const logScale = options.widthWeighted ? new Float64Array(nObs + 1) : sigmas.map(Math.log);
  return { kind: 'numeric', dim, mus, sigmas, logMass, logScale };
}

function categoricalKernels(
  dim: CategoricalDim,
  column: readonly number[],
  priorWeight: number,
): CategoricalKernels {
  const nc = dim.choices.length;
  const k = column.length + 1;
  const probs = new Float64Array(k * nc).fill(priorWeight / k);
  for (let i = 0; i < column.length; i++) probs[i * nc + column[i]!]! += 1;
  const logProbs = new Float64Array(k * nc);
  const cumulative = new Float64Array(k * nc);
  for (let c = 0; c < k; c++) {
    let total = 0;
    for (let j = 0; j < nc; j++) total += probs[c * nc + j]!;
    let acc = 0;
    for (let j = 0; j < nc; j++) {
      const p = probs[c * nc + j]! / total;
      logProbs[c * nc + j] = Math.log(p);
      acc += p;
      cumulative[c * nc + j] = acc;
    }
  }
  return { kind: 'categorical', dim, logProbs, cumulative };
}
