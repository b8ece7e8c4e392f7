/*
 * The study history as the GP sees it, GP fitting with warm starts, kriging-believer fantasies,
 * and the choice of scoring backend. Shared by `bayesian()` and `gradient()`.
 */
import type { FrozenTrial, SuggestContext } from '@webtune/core';
import type { FittedGP, GPFactor, GPPrior, KernelParams, SurrogateBackend } from '@webtune/gp';
import * as gpModule from '@webtune/gp';
import type { Config } from '@webtune/space';
import type { ModelEncoding } from './acqopt.js';

/** The finished and pending trials, encoded. n completed, p pending. */
export interface History {
  /** n×D space points of the completed trials (finite values). */
  points: Float64Array[];
  /** n×d, row-major, model points of the completed trials. */
  x: Float64Array;
  /** n, values to minimise (negated when the study maximises). */
  y: Float64Array;
  /** n, the trial number of each completed trial. */
  numbers: number[];
  n: number;
  /** Model points (d each) of running trials. */
  pending: Float64Array[];
  /** Keys of every configuration tried or in flight (complete, failed, pruned, running). */
  exclude: Set<string>;
  /** Indices into `points` sorted by y, best first. */
  order: number[];
}

/** Reads the study into a {@link History}. Trials whose params are not in the space are skipped. */
export function readHistory(context: SuggestContext, encoding: ModelEncoding): History {
  const { space, direction, trials } = context;
  const sign = direction === 'maximize' ? -1 : 1;
  const points: Float64Array[] = [];
  const values: number[] = [];
  const numbers: number[] = [];
  const pending: Float64Array[] = [];
  const exclude = new Set<string>();
  for (const t of trials) {
    const p = safeEncode(context, t);
    if (!p) continue;
    exclude.add(space.key(t.params));
    if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) {
      points.push(p);
      values.push(sign * t.value);
      numbers.push(t.number);
    } else if (t.state === 'running') {
      pending.push(encoding.toModel(p));
    }
  }
  const n = points.length;
  const d = encoding.modelDims;
  const x = new Float64Array(n * d);
  points.forEach((p, i) => {
    encoding.toModel(p, x, i * d);
  });
  const y = Float64Array.from(values);
  const order = [...points.keys()].sort((a, b) => y[a]! - y[b]!);
  return { points, x, y, numbers, n, pending, exclude, order };
}

/** Reorders the completed trials of `h` in place: entry i becomes the old entry perm[i]. */
function permuteHistory(h: History, perm: readonly number[], d: number): void {
  const { points, x, y, numbers } = h;
  const inverse = new Int32Array(h.n);
  perm.forEach((from, to) => {
    inverse[from] = to;
  });
  h.points = perm.map((i) => points[i]!);
  h.numbers = perm.map((i) => numbers[i]!);
  h.y = Float64Array.from(perm, (i) => y[i]!);
  const nx = new Float64Array(h.n * d);
  perm.forEach((from, to) => {
    nx.set(x.subarray(from * d, (from + 1) * d), to * d);
  });
  h.x = nx;
  h.order = h.order.map((i) => inverse[i]!);
}

/**
 * How observed values are transformed before the GP sees them (after negation for maximising);
 * every warp keeps the order, so the incumbent stays the incumbent:
 * - 'none': as they are (the GP standardises them);
 * - 'tail': values above the median m are compressed, m + s·ln(1 + (y − m)/s) with s the
 *   distance from the 10th percentile to the median: outliers (a diverged training run,
 *   Rosenbrock's walls) stop dominating the fit, and the better half is left as it is;
 * - 'log': ln(y − min + δ) with δ = (median − min)/10, which also stretches the region near the
 *   best (strong, and harmful where the optimum needs fine resolution).
 */
export type OutputWarp = 'none' | 'tail' | 'log';

/** An {@link OutputWarp}, or 'auto': chosen on each full refit by marginal likelihood (see {@link fitModel}). */
export type OutputWarpChoice = OutputWarp | 'auto';

/** Applies {@link OutputWarp}. */
export function warpOutputs(y: Float64Array, warp: OutputWarp): Float64Array {
  return warpWithJacobian(y, warp).y;
}

/**
 * The warped values and Σ ln ψ'(y_i), the log-Jacobian that makes marginal likelihoods of
 * differently warped data comparable (the density of the raw values is p(ψ(y))·Π ψ'(y_i)).
 */
export function warpWithJacobian(
  y: Float64Array,
  warp: OutputWarp,
  subset?: readonly number[],
): { y: Float64Array; logJacobian: number } {
  const out = warpWithTerms(y, warp);
  let logJacobian = 0;
  if (subset) for (const i of subset) logJacobian += out.terms[i] ?? 0;
  else for (let i = 0; i < out.terms.length; i++) logJacobian += out.terms[i]!;
  return { y: out.y, logJacobian };
}

/** The warped values and each value's ln ψ'(y_i) (empty when the warp is the identity). */
function warpWithTerms(
  y: Float64Array,
  warp: OutputWarp,
): { y: Float64Array; terms: Float64Array } {
  const none = { y, terms: new Float64Array(0) };
  if (warp === 'none' || y.length < 3) return none;
  const sorted = Float64Array.from(y).sort();
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))]!;
  const min = sorted[0]!;
  const med = at(0.5);
  const terms = new Float64Array(y.length);
  if (warp === 'log') {
    const delta = (med - min) / 10 || Math.abs(min) * 1e-9 || 1e-12;
    const out = y.map((v, i) => {
      const w = Math.log(v - min + delta);
      terms[i] = -w;
      return w;
    });
    return { y: out, terms };
  }
  const s = med - at(0.1) || med - min;
  if (!(s > 0)) return none;
  const out = y.map((v, i) => {
    if (v <= med) return v;
    terms[i] = -Math.log1p((v - med) / s);
    return med + s * Math.log1p((v - med) / s);
  });
  return { y: out, terms };
}

function safeEncode(context: SuggestContext, t: FrozenTrial): Float64Array | undefined {
  try {
    return context.space.encode(t.params as Config);
  } catch {
    return undefined;
  }
}

/** GP fitting options shared by the model-based strategies. */
export interface FitOptions {
  /**
   * Random restarts of the hyperparameter fit, used on full refits (which also try the default
   * start and the warm start; past `incrementalFrom`, the warm start alone). Default 2 while at
   * most 100 trials have completed, 1 up to 200, then 0: with more data the warm start is rarely
   * beaten, and every start costs more.
   */
  restarts?: number;
  /** Completed trials between full refits while the study is small (≤ `incrementalFrom`). Default 10. */
  refitEvery?: number;
  /** L-BFGS iteration cap per start. Default 100 on full refits, 30 on warm-only refits. */
  maxIterations?: number;
  /**
   * Noise variance in standardised units: a number fixes it; 'learn' fits it (floor 1e-6, as
   * Optuna); 'auto' (default) fits it on full refits and, when the fit puts it at the floor
   * (the data look noise-free), fixes it at {@link NOISE_FREE} until the next full refit, so the
   * GP interpolates exactly and the search can resolve regrets far below the floor (branin's 1e-6).
   */
  noise?: number | 'auto' | 'learn';
  /** Hyperparameter prior of @webtune/gp's fit: 'optuna' (default) or 'dimensionScaled'. */
  prior?: GPPrior;
  /**
   * Upper bound on every lengthscale (unit cube). Default 1e3 (@webtune/gp's bound). A long
   * lengthscale says "this dimension hardly matters", which ARD can conclude too early when the
   * trials crowd into one basin (Hartmann-6 stuck at its −3.20 local minimum fits 5–8 on two
   * dimensions); a cap of 1 keeps variance there, but on the benchmark it cost more on Rosenbrock
   * (2.1 vs 1.4 log10 regret) and Levy than it gained, so it is off by default.
   */
  maxLengthscale?: number;
  /**
   * Most completed trials a hyperparameter fit evaluates the likelihood on (default 200; each
   * evaluation costs O(t³) for t trials). With more, the fit uses the best third of the trials
   * and the most recent of the rest, standardised as the whole study; the GP is still
   * conditioned on every trial.
   */
  maxFitTrials?: number;
  /**
   * Completed trials up to which the hyperparameters are refitted on every suggestion (default
   * 200). Beyond, a new trial is appended to the GP's Cholesky factor (O(n²)) and the
   * hyperparameters are refitted — warm, from the last fit — only when the study has grown by
   * `refitGrowth` since the last fit or when the trials appended since then surprise the model
   * (their standardised one-step-ahead residuals z = (L⁻¹y)_i have Σz² beyond the 99.9% point of
   * χ² with as many degrees of freedom); a full refit (every start, every warp) once the study
   * has doubled since the last one.
   */
  incrementalFrom?: number;
  /** Relative growth of the study since the last fit that triggers a warm refit past `incrementalFrom`. Default 0.1. */
  refitGrowth?: number;
  /**
   * Time budget of one hyperparameter fit, in milliseconds (default: none). Each L-BFGS start
   * stops where it is once the budget is spent. It bounds the slowest suggestion on a slow
   * machine, at the price of exact reproducibility: how far a fit gets depends on the machine.
   */
  fitBudgetMs?: number;
}

/** The noise variance (standardised units) used once the data look noise-free, as sklearn's default alpha. */
export const NOISE_FREE = 1e-10;

/** What {@link fitModel} did: a full refit, a warm refit, or no refit (new trials appended to the factor). */
export type FitKind = 'full' | 'warm' | 'append';

/** What fitting keeps between suggestions. */
export interface FitState {
  params?: KernelParams;
  /** Set by 'auto' noise when the last full refit put the noise at the floor. */
  noiseFree?: boolean;
  /** The warp in use (chosen on full refits when 'auto'). */
  warp?: OutputWarp;
  /** The GP's Cholesky factor: rows for the trials `rows`, then the last suggestion's fantasies. */
  factor?: GPFactor;
  /** Trial numbers of the factor's rows, in row order. */
  rows?: readonly number[];
  /** Completed trials at the last hyperparameter fit, and at the last full refit. */
  fittedAt?: number;
  fullAt?: number;
  /** Σz² and count of the standardised residuals of the trials appended since the last fit. */
  surprise?: { sum: number; count: number };
  /** What the last fit did. */
  lastFit?: FitKind;
}

const FIT_STATE_KEYS = [
  'params',
  'noiseFree',
  'warp',
  'factor',
  'rows',
  'fittedAt',
  'fullAt',
  'surprise',
  'lastFit',
] as const satisfies readonly (keyof FitState)[];

/**
 * {@link fitModel} for a suggestion that may be stopped: the fit runs without pausing, so a run
 * that stopped meanwhile (`signal` aborted) is noticed only after it. Then the fit state is put
 * back as it was and the abort reason thrown, so the next suggestion fits from the same state an
 * uninterrupted run would have, and suggests the same. (Rows the fit appended to the kept factor
 * are dropped by the next fit, which trims the factor to `rows`.)
 */
export function fitModelUnlessStopped(
  signal: AbortSignal | undefined,
  ...args: Parameters<typeof fitModel>
): ReturnType<typeof fitModel> {
  const state = args[2];
  const saved: FitState = { ...state };
  const fitted = fitModel(...args);
  if (signal?.aborted) {
    for (const key of FIT_STATE_KEYS) delete state[key];
    Object.assign(state, saved);
    signal.throwIfAborted();
  }
  return fitted;
}

/** Default cap on the ARD lengthscales (unit cube): @webtune/gp's own bound; see {@link FitOptions.maxLengthscale}. */
export const MAX_LENGTHSCALE = 1e3;

/** The trials a hyperparameter fit sees: all of them, or `index` (ascending) into the history. */
interface FitSubset {
  index?: number[];
  /** t×d, row-major. */
  x: Float64Array;
  t: number;
}

/**
 * The trials a fit uses (see {@link FitOptions.maxFitTrials}): all when there are at most `max`;
 * else the best ⌈max/3⌉ and the most recent (highest trial numbers) of the rest. Recent trials
 * keep the density of points where the search works now, which is what the lengthscales must
 * describe: a space-filling sample of the rest (greedy farthest points) fitted lengthscales too
 * long for Ackley-5's fine structure (log10 regret −0.90 vs −1.14 at 300 trials, seeds 0–3).
 */
export function fitSubset(h: History, max: number, d: number): FitSubset {
  const n = h.n;
  if (n <= max) return { x: h.x.subarray(0, n * d), t: n };
  const taken = new Uint8Array(n);
  for (const i of h.order.slice(0, Math.ceil(max / 3))) taken[i] = 1;
  const rest = [...h.numbers.keys()].filter((i) => !taken[i]);
  rest.sort((a, b) => h.numbers[b]! - h.numbers[a]!);
  for (const i of rest.slice(0, max - Math.ceil(max / 3))) taken[i] = 1;
  const chosen: number[] = [];
  for (let i = 0; i < n; i++) if (taken[i]) chosen.push(i);
  const x = new Float64Array(max * d);
  chosen.forEach((i, r) => {
    x.set(h.x.subarray(i * d, (i + 1) * d), r * d);
  });
  return { index: chosen, x, t: max };
}

/** Σz² of k standard normals beyond which the model is off: χ²_k's 99.9% point (Wilson–Hilferty). */
function surprising(s: { sum: number; count: number } | undefined): boolean {
  if (!s || s.count === 0) return false;
  const k = s.count;
  const q = k * (1 - 2 / (9 * k) + 3.09 * Math.sqrt(2 / (9 * k))) ** 3;
  return s.sum > q;
}

/**
 * Fits the GP on the history and updates `state`; returns it with the (warped) values it was
 * conditioned on. `h` is reordered in place to the GP's row order (trials the kept factor holds
 * first, in its order, then the new ones), so `gp` row i is `h` entry i.
 *
 * While the study is small (≤ {@link FitOptions.incrementalFrom} completed trials) the
 * hyperparameters are refitted on every suggestion: full refits (see
 * {@link FitOptions.refitEvery}) optimise the log posterior from several starts (warm, default,
 * `restarts` random) — once per candidate warp when `warp` is 'auto' ('none' and 'log'),
 * keeping the one whose marginal likelihood of the raw values (LML of the standardised warped
 * values − t·ln σ_y + Σ ln ψ'(y)) is highest; in between only the previous fit's parameters are
 * polished by L-BFGS. Past it, see {@link FitOptions.incrementalFrom}: most suggestions only
 * append the new trials to the factor. Fits use at most {@link FitOptions.maxFitTrials} trials.
 * Lengthscales are capped at `maxLengthscale`.
 */
export function fitModel(
  h: History,
  encoding: ModelEncoding,
  state: FitState,
  options: FitOptions,
  random: () => number,
  warp: OutputWarpChoice = 'none',
): { gp: FittedGP; y: Float64Array } {
  const n = h.n;
  const d = encoding.modelDims;
  const every = options.refitEvery ?? 10;
  const incrementalFrom = options.incrementalFrom ?? 200;
  const e = expectedLengthscales(encoding);
  const previous = state.params;
  const warm = previous && previous.lengthscales.length === e ? previous : undefined;
  const noise = options.noise ?? 'auto';
  const fixed: number | undefined = typeof noise === 'number' ? noise : undefined;
  let kind: FitKind;
  if (!warm || (warp !== 'auto' && state.warp !== warp)) kind = 'full';
  else if (n <= incrementalFrom) kind = n % every === 0 ? 'full' : 'warm';
  else if (n >= 2 * (state.fullAt ?? 0)) kind = 'full';
  else if (n >= (state.fittedAt ?? 0) * (1 + (options.refitGrowth ?? 0.1))) kind = 'warm';
  else if (surprising(state.surprise)) kind = 'warm';
  else kind = 'append';
  state.lastFit = kind;
  if (kind === 'append') {
    const appended = appendTrials(h, encoding, state, warm!);
    if (appended) return appended;
  }
  const budget = options.fitBudgetMs;
  const deadline = budget === undefined ? undefined : performance.now() + budget;
  const shouldStop = deadline === undefined ? undefined : () => performance.now() > deadline;
  const sub = fitSubset(h, options.maxFitTrials ?? 200, d);
  const restarts = options.restarts ?? (n <= 100 ? 2 : n <= 200 ? 1 : 0);
  /** The MAP hyperparameters on the fit's trials, from `starts`. */
  const optimise = (
    ys: Float64Array,
    fixedNoise: number | undefined,
    starts: 'all' | KernelParams,
  ) => {
    const objOptions: { fixedNoise?: number; prior?: GPPrior } = {};
    if (fixedNoise !== undefined) objOptions.fixedNoise = fixedNoise;
    if (options.prior !== undefined) objOptions.prior = options.prior;
    const obj = gpModule.logPosteriorObjective(encoding.kernel, sub.x, ys, sub.t, objOptions);
    const upper = Float64Array.from(obj.upper);
    const cap = Math.log(options.maxLengthscale ?? MAX_LENGTHSCALE);
    for (let j = 0; j < e; j++) upper[j] = Math.min(upper[j]!, cap);
    const clip = (t: Float64Array) => {
      for (let j = 0; j < t.length; j++) t[j] = Math.min(upper[j]!, Math.max(obj.lower[j]!, t[j]!));
      return t;
    };
    const thetas: Float64Array[] = [];
    if (starts !== 'all') thetas.push(clip(obj.theta(starts)));
    else {
      if (warm) thetas.push(clip(obj.theta(warm)));
      // Past incrementalFrom a full refit re-chooses the warp from the warm start alone: the
      // default start doubled the slowest suggestion (the refit at n = 800 took 4× the median).
      if (!warm || n <= incrementalFrom) {
        const base = new Float64Array(obj.k);
        base[e] = 0;
        if (obj.k > e + 1) base[e + 1] = Math.log(1e-2);
        thetas.push(clip(base));
      }
      for (let r = 0; r < restarts; r++) {
        const t = new Float64Array(obj.k);
        for (let j = 0; j < e; j++) t[j] = Math.log(0.05) + random() * Math.log(100);
        t[e] = Math.log(0.2) + random() * Math.log(25);
        if (obj.k > e + 1) t[e + 1] = Math.log(1e-6) + random() * Math.log(1e5);
        thetas.push(clip(t));
      }
    }
    let best: Float64Array | undefined;
    let bestF = Number.POSITIVE_INFINITY;
    for (const t0 of thetas) {
      const res = gpModule.minimizeBounded(obj.evaluate, t0, {
        lower: obj.lower,
        upper,
        maxIterations: options.maxIterations ?? (starts === 'all' ? 100 : 30),
        pgtol: 1e-2,
        ...(shouldStop ? { shouldStop } : {}),
      });
      if (res.f < bestF) {
        bestF = res.f;
        best = res.x;
      }
    }
    return obj.params(best ?? thetas[0]!);
  };
  const subsetOf = (ys: Float64Array) =>
    sub.index ? Float64Array.from(sub.index, (i) => ys[i]!) : ys;
  /** The GP with `params` on every trial (from the fit's own GP when that saw them all). */
  const conditionAll = (params: KernelParams, y: Float64Array, onSubset?: FittedGP) => {
    let gp = onSubset;
    if (!gp || sub.index) {
      const { ys, mean, std } = gpModule.standardize(y, n);
      gp = gpModule
        .createGPFactor(encoding.kernel, params, h.x, n, n + 16)
        .condition(ys, mean, std);
    }
    state.params = params;
    if (gp.factor) state.factor = gp.factor;
    else delete state.factor;
    state.rows = h.numbers.slice();
    state.fittedAt = n;
    delete state.surprise;
    return gp;
  };
  if (kind === 'full') {
    const candidates: OutputWarp[] = warp === 'auto' ? ['none', 'log'] : [warp];
    let best: { gp: FittedGP; y: Float64Array; warp: OutputWarp; score: number } | undefined;
    for (const w of candidates) {
      const warped = warpWithJacobian(h.y, w, sub.index);
      const { ys, mean, std } = gpModule.standardize(warped.y, n);
      const subYs = subsetOf(ys);
      const params = optimise(subYs, fixed, 'all');
      const gp = gpModule.conditionGP(encoding.kernel, params, sub.x, sub.t, subYs, mean, std);
      const score = gp.logMarginalLikelihood - sub.t * Math.log(gp.yStd) + warped.logJacobian;
      if (!best || score > best.score) best = { gp, y: warped.y, warp: w, score };
    }
    state.warp = best!.warp;
    state.noiseFree = noise === 'auto' && best!.gp.params.noise < 2 * gpModule.NOISE_FLOOR;
    state.fullAt = n;
    if (!state.noiseFree)
      return { gp: conditionAll(best!.gp.params, best!.y, best!.gp), y: best!.y };
    const { ys } = gpModule.standardize(best!.y, n);
    const params = optimise(subsetOf(ys), NOISE_FREE, best!.gp.params);
    return { gp: conditionAll(params, best!.y), y: best!.y };
  }
  const y = warpWithJacobian(h.y, state.warp ?? 'none').y;
  const noiseNow = noise === 'auto' && state.noiseFree ? NOISE_FREE : fixed;
  if (kind === 'append') return { gp: conditionAll(warm!, y), y };
  const { ys } = gpModule.standardize(y, n);
  return { gp: conditionAll(optimise(subsetOf(ys), noiseNow, warm!), y), y };
}

/**
 * The no-refit path of {@link fitModel}: trims the kept factor to its trials, reorders `h` to its
 * rows, appends the new trials (O(n²) each) and conditions on the warped values. Returns
 * undefined when the factor cannot be reused (none kept, other hyperparameters, or a trial it
 * holds is no longer among the completed ones); the caller then refactorises.
 */
function appendTrials(
  h: History,
  encoding: ModelEncoding,
  state: FitState,
  params: KernelParams,
): { gp: FittedGP; y: Float64Array } | undefined {
  const { factor, rows } = state;
  if (!factor || !rows || factor.params !== params || rows.length > factor.n) return undefined;
  const d = encoding.modelDims;
  const at = new Map<number, number>();
  h.numbers.forEach((num, i) => {
    at.set(num, i);
  });
  const perm: number[] = [];
  for (const num of rows) {
    const i = at.get(num);
    if (i === undefined) return undefined;
    perm.push(i);
    at.delete(num);
  }
  const kept = perm.length;
  perm.push(...[...at.values()].sort((a, b) => a - b));
  if (perm.some((from, to) => from !== to)) permuteHistory(h, perm, d);
  factor.truncate(kept);
  factor.append(h.x.subarray(kept * d, h.n * d), h.n - kept);
  state.rows = h.numbers.slice();
  const y = warpWithJacobian(h.y, state.warp ?? 'none').y;
  const { ys, mean, std } = gpModule.standardize(y, h.n);
  const gp = factor.condition(ys, mean, std);
  // (L⁻¹ys)_i is trial i's residual given the rows above it, in predictive standard deviations.
  const z = gpModule.solveLower(gp.chol, h.n, ys);
  const surprise = { ...(state.surprise ?? { sum: 0, count: 0 }) };
  for (let i = kept; i < h.n; i++) surprise.sum += z[i]! * z[i]!;
  surprise.count += h.n - kept;
  state.surprise = surprise;
  return { gp, y };
}

function expectedLengthscales(encoding: ModelEncoding): number {
  const groups = encoding.kernel.categoricalGroups ?? [];
  let cat = 0;
  for (const g of groups) cat += g.size;
  return encoding.modelDims - cat + groups.length;
}

/** A GP with the standardised targets it was conditioned on (n). */
export interface Conditioned {
  gp: FittedGP;
  ys: Float64Array;
}

/** Pairs a fitted GP with its standardised targets, from the raw values it was fitted on. */
export function conditioned(gp: FittedGP, y: Float64Array): Conditioned {
  const ys = new Float64Array(gp.n);
  for (let i = 0; i < gp.n; i++) ys[i] = (y[i]! - gp.yMean) / gp.yStd;
  return { gp, ys };
}

/**
 * Kriging believer: conditions the GP — hyperparameters and standardisation unchanged — on
 * extra points whose values are its own posterior mean there, so that a batch or the pending
 * trials are not proposed again (their variance collapses; the mean stays as it was). The
 * points are appended to the GP's factor (O(n²) each) when the GP is its latest view; the next
 * fit drops them again.
 * @param fantasies model points, d each.
 */
export function believe(c: Conditioned, fantasies: readonly Float64Array[]): Conditioned {
  if (fantasies.length === 0) return c;
  const { gp } = c;
  const d = gp.d;
  const p = fantasies.length;
  const xf = new Float64Array(p * d);
  fantasies.forEach((f, i) => {
    xf.set(f, i * d);
  });
  const post = gpModule.posterior(gp, xf, p);
  const ys = new Float64Array(gp.n + p);
  ys.set(c.ys.subarray(0, gp.n));
  ys.set(post.mean, gp.n);
  let factor = gp.factor;
  if (!factor || factor.n !== gp.n || factor.params !== gp.params) {
    factor = gpModule.createGPFactor(gp.spec, gp.params, gp.x, gp.n, gp.n + p);
  }
  factor.append(xf, p);
  return { gp: factor.condition(ys, gp.yMean, gp.yStd), ys };
}

/**
 * The GP conditioned on only the q trials (rows, fantasies included) most correlated with
 * `point` (a model point) — same hyperparameters and standardisation: a local stand-in for
 * polishing the acquisition in a large study, where each exact evaluation costs O(n²). Its
 * variance is never below the full GP's (less data), and near `point` its mean follows the
 * full GP's closely. Returns `c.gp` itself when it has at most q rows.
 */
export function localGP(c: Conditioned, point: Float64Array, q: number): FittedGP {
  const { gp } = c;
  if (gp.n <= q) return gp;
  const d = gp.d;
  const k = gpModule.crossCovariance(gp.spec, gp.params, gp.x, gp.n, point, 1);
  const rows = Array.from(k.keys())
    .sort((a, b) => k[b]! - k[a]! || a - b)
    .slice(0, q)
    .sort((a, b) => a - b);
  const x = new Float64Array(q * d);
  const ys = new Float64Array(q);
  rows.forEach((r, i) => {
    x.set(gp.x.subarray(r * d, (r + 1) * d), i * d);
    ys[i] = c.ys[r]!;
  });
  return gpModule.conditionGP(gp.spec, gp.params, x, q, ys, gp.yMean, gp.yStd);
}

/** Where candidates are scored: 'cpu' (f64 reference), 'webgpu', or 'auto' (webgpu when worth it). */
export type BackendChoice = 'cpu' | 'webgpu' | 'auto';

/**
 * Resolves the scoring backend: an injected one wins; otherwise @webtune/gp's
 * `createSurrogateBackend({ backend })` — 'cpu' the f64 reference, 'webgpu' the WebGPU backend
 * (it throws when there is no adapter, never falls back silently), 'auto' WebGPU when a real
 * adapter exists and the work is large enough, else the CPU (its `description` says which).
 */
export async function resolveBackend(
  choice: BackendChoice,
  injected?: SurrogateBackend,
): Promise<SurrogateBackend> {
  if (injected) return injected;
  if (choice === 'cpu') return gpModule.createCpuBackend();
  return gpModule.createSurrogateBackend({ backend: choice });
}
