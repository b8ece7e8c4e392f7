import { crossCovariance, type FittedGP, fitGP, mulberry32 } from '@webtune/gp';
import {
  createSpace,
  isSpace,
  type ParamJSON,
  type ParamValue,
  type Space,
  type SpaceJSON,
} from '@webtune/space';
import { createModelEncoding } from '@webtune/strategies';
import { type SobolGroup, sobolIndices } from './sobol.js';

/**
 * A trial as importance needs it: core's `FrozenTrial`, and `TrialJSON` from `study.toJSON()` or a
 * `webtune run --out` file, both fit.
 */
export interface ImportanceTrial {
  /** Named in error messages; the index in the list when absent. */
  number?: number;
  /** Only 'complete' trials count; 'running', 'failed' and 'pruned' ones are ignored. */
  state: string;
  params: Readonly<Record<string, ParamValue>>;
  value?: number | null | undefined;
}

/** Which Sobol index becomes `importance`. */
export type ImportanceMeasure = 'first' | 'total';

/**
 * Below this share of the GP mean's variance explained by single parameters (Σ first-order
 * indices), `measure: 'auto'` ranks by the total index: the first-order ranking would then order
 * parameters by the small part they explain alone while interactions hold the rest.
 */
export const MIN_EXPLAINED = 0.5;

/** Options of {@link paramImportances}; every field has a default. */
export interface ImportanceOptions<T extends ImportanceTrial = ImportanceTrial> {
  /** Seed of the Monte Carlo sample and of the GP fit's random restarts. Default 0. */
  seed?: number;
  /** Monte Carlo base samples N; the GP mean is evaluated N·(k + 2) times for k parameters. Default 4096. */
  samples?: number;
  /** The value whose variance is decomposed. Default: the trial's objective value. */
  target?: (trial: T) => number;
  /** The parameters to rank (default all, in declaration order); the others still vary in the sample. */
  params?: readonly string[];
  /**
   * 'first' (default): the share of the variance a parameter explains alone (fANOVA's individual
   * importance, what Optuna's `get_param_importances` reports). 'total': its share including
   * every interaction it takes part in. 'auto': 'first' when the ranked parameters' first-order
   * indices sum to at least {@link MIN_EXPLAINED}, else 'total'.
   */
  measure?: ImportanceMeasure | 'auto';
  /**
   * Fit the GP to at most this many complete trials (the fit is O(n³)): above it, the complete
   * trials ordered by number are thinned evenly, keeping the k-th of n for k = ⌊i·n/maxTrials⌋,
   * i = 0 … maxTrials − 1 ({@link thinByNumber}). An integer ≥ 2; default: all.
   */
  maxTrials?: number;
}

/** One parameter's importance; {@link paramImportances} returns them most important first. */
export interface ParamImportance {
  name: string;
  /** The chosen measure, clamped at 0 and normalised so the importances of the ranked parameters sum to 1. */
  importance: number;
  /** First-order Sobol index of the GP's posterior mean: Var(E[μ | x_i]) / Var(μ), unnormalised. */
  first: number;
  /** Total Sobol index: E[Var(μ | x_~i)] / Var(μ), unnormalised (≥ first up to Monte Carlo error). */
  total: number;
}

/** What {@link importanceReport} returns: the ranking and how far it can be trusted. */
export interface ImportanceReport {
  /** One entry per ranked parameter, most important first (what {@link paramImportances} returns). */
  params: ParamImportance[];
  /** The index `importance` normalises: the requested one, or the one 'auto' chose. */
  measure: ImportanceMeasure;
  /**
   * Σ of the ranked parameters' first-order indices, each clamped at 0: the share of the GP
   * mean's variance over the space that single parameters explain; the rest (1 − explained) lies
   * in interactions. Carries the indices' Monte Carlo error (≈ 0.01 each at N = 4096), so it can
   * read slightly above 1.
   */
  explained: number;
  /**
   * Leave-one-out R² of the GP on the trials it was fitted to: 1 − Σ(y_j − μ₋ⱼ(x_j))² /
   * Σ(y_j − ȳ)², with μ₋ⱼ the mean given every other trial (same hyperparameters; Rasmussen &
   * Williams 2006, §5.4.2). Near 1 when a trial's target is predictable from the others; ≤ 0 when
   * the model does no better than their mean — noise, or too few trials — and the importances
   * describe noise.
   */
  fitR2: number;
  /** Complete trials the GP was fitted to (at most `maxTrials`). */
  used: number;
  /** Complete trials given. */
  complete: number;
}

const MEASURES: readonly (ImportanceMeasure | 'auto')[] = ['first', 'total', 'auto'];
/** GP-mean evaluations per crossCovariance call: bounds the m×n cross-covariance buffer. */
const CHUNK = 512;
/** Var(μ) below this (in units of the targets' variance) means the fitted mean is flat. */
const FLAT = 1e-10;

/**
 * Hyperparameter importance by functional ANOVA (Sobol indices) of a GP surrogate, as
 * `optuna.importance.get_param_importances` with fANOVA:
 * 1. the complete trials' configurations are encoded to the unit cube as the Bayesian strategy
 *    models them (`createModelEncoding` of @webtune/strategies: log parameters warped, a
 *    categorical of ≥ 3 monotonic numbers as one ordered dimension, other categoricals one-hot
 *    with a Hamming distance) and a Matérn-5/2 GP with ARD lengthscales is fitted to their
 *    targets (`fitGP`, MAP);
 * 2. the variance of its posterior mean μ over the space is decomposed by Monte Carlo
 *    ({@link sobolIndices}) on configurations drawn by `space.sample`: log parameters
 *    log-uniform, ints and categoricals uniform over their values.
 *
 * Conditional parameters: every parameter is drawn independently, active or not, and μ is
 * evaluated at the configuration those draws make (inactive parameters dropped, encoded as
 * `space.encode` does). A parameter's index thus measures its effect where it is active, weighted
 * by how often it is; the effect of switching it on or off belongs to its parents.
 *
 * Cost: the fit is O(n³) per likelihood evaluation for n complete trials (a few hundred trials
 * take seconds); the Monte Carlo part is O(N·k·n·D).
 * @param space a `Space` or its JSON form (as `study.toJSON().space` holds it).
 * @throws before any fitting: on bad options (naming the option and value), a space that does not
 * validate, an unknown parameter in `params`, a complete trial outside the space or with a
 * non-finite target (naming the trial), fewer than 2 complete trials, or targets that are all
 * equal. After the fit: when μ is flat, or (for 'first') when every ranked parameter's first-order
 * index is ≤ 0.
 */
export function paramImportances<T extends ImportanceTrial>(
  trials: readonly T[],
  space: Space | SpaceJSON,
  options: ImportanceOptions<T> = {},
): ParamImportance[] {
  return importanceReport(trials, space, options).params;
}

/**
 * {@link paramImportances} with what it takes to read the ranking: the share of the model's
 * variance single parameters explain (`explained`), the GP's leave-one-out R² (`fitR2`), the
 * measure used, and how many trials the fit used. Same options, same errors — except that with
 * `measure: 'auto'` first-order indices that are all ≤ 0 select the total index instead of
 * throwing.
 */
export function importanceReport<T extends ImportanceTrial>(
  trials: readonly T[],
  space: Space | SpaceJSON,
  options: ImportanceOptions<T> = {},
): ImportanceReport {
  const { seed = 0, samples = 4096, measure = 'first' } = options;
  if (!Number.isInteger(seed))
    throw new Error(`paramImportances: seed (${seed}) must be an integer`);
  if (!(Number.isInteger(samples) && samples >= 2)) {
    throw new Error(`paramImportances: samples (${samples}) must be an integer ≥ 2`);
  }
  if (!MEASURES.includes(measure)) {
    throw new Error(
      `paramImportances: measure '${String(measure)}' must be 'first', 'total' or 'auto'`,
    );
  }
  const maxTrials = options.maxTrials ?? Number.POSITIVE_INFINITY;
  if (
    !((Number.isInteger(maxTrials) && maxTrials >= 2) || maxTrials === Number.POSITIVE_INFINITY)
  ) {
    throw new Error(`paramImportances: maxTrials (${maxTrials}) must be an integer ≥ 2`);
  }
  const target = options.target ?? ((t: T) => t.value as number);
  if (typeof target !== 'function') {
    throw new Error(`paramImportances: target (${String(target)}) must be a function of the trial`);
  }
  const s = isSpace(space) ? space : createSpace(space);
  const names = options.params ?? s.names;
  if (!Array.isArray(names) || names.length === 0) {
    throw new Error(
      `paramImportances: params (${String(names)}) must be a non-empty list of names`,
    );
  }
  names.forEach((name, i) => {
    if (!s.names.includes(name)) {
      throw new Error(
        `paramImportances: params[${i}] '${String(name)}' is not a parameter of the space (${s.names.join(', ')})`,
      );
    }
    if (names.indexOf(name) !== i) {
      throw new Error(`paramImportances: params[${i}] '${name}' is listed twice`);
    }
  });
  if (!Array.isArray(trials)) {
    throw new Error(`paramImportances: trials (${String(trials)}) must be an array`);
  }

  const all: T[] = [];
  const states: Record<string, number> = {};
  for (const t of trials) {
    states[t.state] = (states[t.state] ?? 0) + 1;
    if (t.state === 'complete') all.push(t);
  }
  const complete = all.length > maxTrials ? thinByNumber(all, maxTrials) : all;
  const n = complete.length;
  if (n < 2) {
    const seen = Object.entries(states).map(([k, v]) => `${v} ${k}`);
    throw new Error(
      `paramImportances: needs at least 2 complete trials, got ${n} (of ${trials.length}${seen.length ? `: ${seen.join(', ')}` : ''})`,
    );
  }
  const D = s.dims;
  const x = new Float64Array(n * D);
  const y = new Float64Array(n);
  complete.forEach((t, j) => {
    const label = () => `trial ${t.number ?? trials.indexOf(t)}`;
    const v = target(t);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new Error(
        `paramImportances: ${label()}: target is ${String(v)}, must be a finite number`,
      );
    }
    y[j] = v;
    try {
      x.set(s.encode(t.params as Record<string, ParamValue>), j * D);
    } catch (e) {
      throw new Error(`paramImportances: ${label()}: ${(e as Error).message}`, { cause: e });
    }
  });
  if (y.every((v) => v === y[0])) {
    throw new Error(
      `paramImportances: all ${n} complete trials have the target ${y[0]}: there is no variance to explain`,
    );
  }

  const encoding = createModelEncoding(s, 'matern52');
  const gp = fitGP(encoding.manyToModel(x, n), y, n, {
    kernel: encoding.kernel,
    random: mulberry32(seed ^ 0x5bd1e995),
  });

  // Draw every parameter, active or not, from the space without its conditions.
  const free = s.conditional ? createSpace(unconditional(s.toJSON())) : s;
  const rng = mulberry32(seed);
  const source = { random: rng };
  const draw = (): Float64Array => {
    const out = new Float64Array(samples * D);
    for (let j = 0; j < samples; j++) out.set(free.encode(free.sample(source)), j * D);
    return out;
  };
  const a = draw();
  const b = draw();
  const mean = (points: Float64Array, m: number): Float64Array => {
    const p = s.conditional ? activeOnly(s, points, m) : points;
    return posteriorMean(gp, encoding.manyToModel(p, m), m);
  };
  const groups = names.map((name) => groupOf(s, name));
  const sobol = sobolIndices(mean, a, b, samples, D, groups);
  if (!(sobol.variance > FLAT)) {
    throw new Error(
      `paramImportances: the GP fitted to the ${n} complete trials has a flat mean (variance ${sobol.variance} in standardised units): no parameter explains the targets`,
    );
  }
  let explained = 0;
  for (const v of sobol.first) explained += Math.max(0, v);
  const used: ImportanceMeasure =
    measure === 'auto' ? (explained >= MIN_EXPLAINED ? 'first' : 'total') : measure;
  const basis = used === 'first' ? sobol.first : sobol.total;
  let sum = 0;
  for (const v of basis) sum += Math.max(0, v);
  if (!(sum > 0)) {
    throw new Error(
      `paramImportances: no ${used}-order index is > 0 (${names.map((name, i) => `${name}: ${basis[i]}`).join(', ')}): these parameters explain none of the variance alone; rank more of them, or use measure: 'total'`,
    );
  }
  const params = names.map((name, i) => ({
    name,
    importance: Math.max(0, basis[i]!) / sum,
    first: sobol.first[i]!,
    total: sobol.total[i]!,
  }));
  // Array.prototype.sort is stable: ties keep declaration order.
  params.sort((p, q) => q.importance - p.importance);
  return {
    params,
    measure: used,
    explained,
    fitR2: looR2(gp, y),
    used: n,
    complete: all.length,
  };
}

/**
 * At most `max` of `trials`, evenly spread by trial number: ordered by `number` (the index in the
 * list where absent), the k-th for k = ⌊i·n/max⌋, i = 0 … max − 1; all of them, so ordered, when
 * n ≤ max. The first trial is always kept.
 */
export function thinByNumber<T extends { number?: number | undefined }>(
  trials: readonly T[],
  max: number,
): T[] {
  if (!(Number.isInteger(max) && max >= 1)) {
    throw new Error(`thinByNumber: max (${max}) must be an integer ≥ 1`);
  }
  const sorted = trials
    .map((t, i) => ({ t, key: t.number ?? i }))
    .sort((a, b) => a.key - b.key)
    .map((e) => e.t);
  const n = sorted.length;
  if (n <= max) return sorted;
  return Array.from({ length: max }, (_, i) => sorted[Math.floor((i * n) / max)]!);
}

/**
 * Leave-one-out R² of a fitted GP in closed form: the LOO residual of point j is α_j / [K⁻¹]_jj
 * (standardised units), with diag(K⁻¹) the squared column norms of L⁻¹. O(n³/6).
 * @param y n, the raw targets the GP was fitted to.
 */
export function looR2(gp: FittedGP, y: Float64Array): number {
  const { n, chol: l, alpha } = gp;
  // Row i of L⁻¹ (lower triangular, row-major n×n) by forward substitution, one unit vector at a
  // time; L is packed (row i at i(i+1)/2).
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = (i * (i + 1)) / 2;
    inv[i * n + i] = 1 / l[ri + i]!;
    for (let j = 0; j < i; j++) {
      let acc = 0;
      for (let k = j; k < i; k++) acc += l[ri + k]! * inv[k * n + j]!;
      inv[i * n + j] = -acc / l[ri + i]!;
    }
  }
  const diag = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) diag[j] = diag[j]! + inv[i * n + j]! ** 2;
  let mean = 0;
  for (let j = 0; j < n; j++) mean += y[j]! / n;
  let rss = 0;
  let tss = 0;
  for (let j = 0; j < n; j++) {
    rss += (alpha[j]! / diag[j]!) ** 2;
    tss += ((y[j]! - mean) / gp.yStd) ** 2;
  }
  return 1 - rss / tss;
}

/** The space's JSON with every `when` removed. */
function unconditional(json: SpaceJSON): SpaceJSON {
  const out: Record<string, ParamJSON> = {};
  for (const [name, def] of Object.entries(json)) {
    const { when: _, ...rest } = def;
    out[name] = rest as ParamJSON;
  }
  return out;
}

/** m points (m×D) with every parameter → the same points with inactive parameters encoded as `space.encode` does. */
function activeOnly(space: Space, points: Float64Array, m: number): Float64Array {
  const D = space.dims;
  const out = new Float64Array(m * D);
  for (let j = 0; j < m; j++) {
    out.set(space.encode(space.decode(points.subarray(j * D, (j + 1) * D))), j * D);
  }
  return out;
}

/** The encoded dimensions of one parameter. */
function groupOf(space: Space, name: string): SobolGroup {
  const start = space.layout.findIndex((dim) => dim.param === name);
  let size = 0;
  while (space.layout[start + size]?.param === name) size++;
  return { start, size };
}

/** Posterior mean kᵀα of m model points (m×d), standardised units, CHUNK points per kernel block. */
function posteriorMean(gp: FittedGP, points: Float64Array, m: number): Float64Array {
  const { n, d } = gp;
  const out = new Float64Array(m);
  for (let c = 0; c < m; c += CHUNK) {
    const rows = Math.min(CHUNK, m - c);
    const k = crossCovariance(
      gp.spec,
      gp.params,
      gp.x,
      n,
      points.subarray(c * d, (c + rows) * d),
      rows,
    );
    for (let r = 0; r < rows; r++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += k[r * n + i]! * gp.alpha[i]!;
      out[c + r] = acc;
    }
  }
  return out;
}

/** Below this leave-one-out R² the GP predicts a left-out trial poorly: {@link importanceCaveats} flags the ranking as uncertain. */
export const MIN_FIT_R2 = 0.5;

/**
 * What a reader must know before trusting a ranking, one clause each (none for a clean fit): that
 * it is by total index because single parameters explain < {@link MIN_EXPLAINED} of the model's
 * variance, and that the GP predicts a left-out trial with R² < {@link MIN_FIT_R2} (the values may
 * be mostly noise). The CLI's importance line, its HTML report and the demo show these.
 */
export function importanceCaveats(report: ImportanceReport): string[] {
  const out: string[] = [];
  if (report.measure === 'total') {
    out.push(
      `ranked by total index: single parameters explain only ${Math.round(100 * report.explained)}% of the model's variance, interactions the rest`,
    );
  }
  if (report.fitR2 < MIN_FIT_R2) {
    out.push(
      `uncertain: the model predicts a left-out trial with R² ${report.fitR2.toFixed(2)} (1 = exactly, 0 = no better than the mean), so the values may be mostly noise`,
    );
  }
  return out;
}
