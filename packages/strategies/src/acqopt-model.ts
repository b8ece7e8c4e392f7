/*
 * The study history as the GP sees it, GP fitting with warm starts, kriging-believer fantasies,
 * and the choice of scoring backend. Shared by `bayesian()` and `gradient()`.
 */
import type { FrozenTrial, SuggestContext } from '@webtune/core';
import type { FittedGP, GPPrior, KernelParams, SurrogateBackend } from '@webtune/gp';
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
  const pending: Float64Array[] = [];
  const exclude = new Set<string>();
  for (const t of trials) {
    const p = safeEncode(context, t);
    if (!p) continue;
    exclude.add(space.key(t.params));
    if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) {
      points.push(p);
      values.push(sign * t.value);
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
  return { points, x, y, n, pending, exclude, order };
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
): { y: Float64Array; logJacobian: number } {
  if (warp === 'none' || y.length < 3) return { y, logJacobian: 0 };
  const sorted = Float64Array.from(y).sort();
  const at = (q: number) => sorted[Math.round(q * (sorted.length - 1))]!;
  const min = sorted[0]!;
  const med = at(0.5);
  let logJacobian = 0;
  if (warp === 'log') {
    const delta = (med - min) / 10 || Math.abs(min) * 1e-9 || 1e-12;
    const out = y.map((v) => {
      logJacobian -= Math.log(v - min + delta);
      return Math.log(v - min + delta);
    });
    return { y: out, logJacobian };
  }
  const s = med - at(0.1) || med - min;
  if (!(s > 0)) return { y, logJacobian: 0 };
  const out = y.map((v) => {
    if (v <= med) return v;
    logJacobian -= Math.log1p((v - med) / s);
    return med + s * Math.log1p((v - med) / s);
  });
  return { y: out, logJacobian };
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
   * Random restarts of the hyperparameter fit. Used on full refits (the first fit, then every
   * `refitEvery` completed trials), which also try the default start and the warm start.
   * Default 2. Between full refits only the warm start is optimised.
   */
  restarts?: number;
  /** Completed trials between full refits. Default 10. */
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
}

/** The noise variance (standardised units) used once the data look noise-free, as sklearn's default alpha. */
export const NOISE_FREE = 1e-10;

/** What fitting keeps between suggestions. */
export interface FitState {
  params?: KernelParams;
  /** Set by 'auto' noise when the last full refit put the noise at the floor. */
  noiseFree?: boolean;
  /** The warp in use (chosen on full refits when 'auto'). */
  warp?: OutputWarp;
}

/**
 * {@link fitModel} for a suggestion that may be stopped: the fit runs without pausing, so a run
 * that stopped meanwhile (`signal` aborted) is noticed only after it. Then the fit state is put
 * back as it was and the abort reason thrown, so the next suggestion fits from the same state an
 * uninterrupted run would have, and suggests the same.
 */
export function fitModelUnlessStopped(
  signal: AbortSignal | undefined,
  ...args: Parameters<typeof fitModel>
): ReturnType<typeof fitModel> {
  const state = args[2];
  const saved: FitState = { ...state };
  const fitted = fitModel(...args);
  if (signal?.aborted) {
    for (const key of ['params', 'noiseFree', 'warp'] as const) delete state[key];
    Object.assign(state, saved);
    signal.throwIfAborted();
  }
  return fitted;
}

/** Default cap on the ARD lengthscales (unit cube): @webtune/gp's own bound; see {@link FitOptions.maxLengthscale}. */
export const MAX_LENGTHSCALE = 1e3;

/**
 * Fits the GP on the history and updates `state`; returns it with the (warped) values it was
 * fitted on. Full refits (see {@link FitOptions.refitEvery}) optimise the log posterior of the
 * hyperparameters from several starts (warm, default, `restarts` random) — once per candidate
 * warp when `warp` is 'auto' ('none' and 'log'), keeping the one whose marginal likelihood of the
 * raw values (LML of the standardised warped values − n·ln σ_y + Σ ln ψ'(y)) is highest; in
 * between, only the previous fit's parameters are polished by L-BFGS, which is what keeps the
 * per-trial overhead low. Lengthscales are capped at `maxLengthscale`.
 */
export function fitModel(
  h: History,
  encoding: ModelEncoding,
  state: FitState,
  options: FitOptions,
  random: () => number,
  warp: OutputWarpChoice = 'none',
): { gp: FittedGP; y: Float64Array } {
  const every = options.refitEvery ?? 10;
  const previous = state.params;
  const e = expectedLengthscales(encoding);
  const warm = previous && previous.lengthscales.length === e ? previous : undefined;
  const full = !warm || h.n % every === 0 || (warp !== 'auto' && state.warp !== warp);
  const noise = options.noise ?? 'auto';
  const fixed: number | undefined = typeof noise === 'number' ? noise : undefined;
  const x = h.x.slice(0, h.n * encoding.modelDims);
  const fit = (y: Float64Array, fixedNoise: number | undefined, starts: 'all' | KernelParams) => {
    const { ys, mean, std } = gpModule.standardize(y, h.n);
    const objOptions: { fixedNoise?: number; prior?: GPPrior } = {};
    if (fixedNoise !== undefined) objOptions.fixedNoise = fixedNoise;
    if (options.prior !== undefined) objOptions.prior = options.prior;
    const obj = gpModule.logPosteriorObjective(encoding.kernel, x, ys, h.n, objOptions);
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
      const base = new Float64Array(obj.k);
      base[e] = 0;
      if (obj.k > e + 1) base[e + 1] = Math.log(1e-2);
      thetas.push(clip(base));
      for (let r = 0; r < (options.restarts ?? 2); r++) {
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
      });
      if (res.f < bestF) {
        bestF = res.f;
        best = res.x;
      }
    }
    const params = obj.params(best ?? thetas[0]!);
    return gpModule.conditionGP(encoding.kernel, params, x, h.n, ys, mean, std);
  };
  if (full) {
    const candidates: OutputWarp[] = warp === 'auto' ? ['none', 'log'] : [warp];
    let best: { gp: FittedGP; y: Float64Array; warp: OutputWarp; score: number } | undefined;
    for (const w of candidates) {
      const warped = warpWithJacobian(h.y, w);
      const gp = fit(warped.y, fixed, 'all');
      const score = gp.logMarginalLikelihood - h.n * Math.log(gp.yStd) + warped.logJacobian;
      if (!best || score > best.score) best = { gp, y: warped.y, warp: w, score };
    }
    state.warp = best!.warp;
    state.noiseFree = noise === 'auto' && best!.gp.params.noise < 2 * gpModule.NOISE_FLOOR;
    if (!state.noiseFree) {
      state.params = best!.gp.params;
      return { gp: best!.gp, y: best!.y };
    }
    const gp = fit(best!.y, NOISE_FREE, best!.gp.params);
    state.params = gp.params;
    return { gp, y: best!.y };
  }
  const y = warpWithJacobian(h.y, state.warp ?? 'none').y;
  const gp = fit(y, noise === 'auto' && state.noiseFree ? NOISE_FREE : fixed, warm!);
  state.params = gp.params;
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
 * trials are not proposed again (their variance collapses; the mean stays as it was).
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
  const n = gp.n + p;
  const x = new Float64Array(n * d);
  x.set(gp.x.subarray(0, gp.n * d));
  x.set(xf, gp.n * d);
  const ys = new Float64Array(n);
  ys.set(c.ys.subarray(0, gp.n));
  ys.set(post.mean, gp.n);
  return { gp: gpModule.conditionGP(gp.spec, gp.params, x, n, ys, gp.yMean, gp.yStd), ys };
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
