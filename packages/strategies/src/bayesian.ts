import type { Strategy, SuggestContext } from '@webtune/core';
import { createRng } from '@webtune/core';
import type {
  AcquisitionKind,
  AcquisitionSpec,
  FittedGP,
  KernelKind,
  SurrogateBackend,
} from '@webtune/gp';
import type { Config } from '@webtune/space';
import {
  type AcqOptimizerOptions,
  acquisitionObjective,
  createModelEncoding,
  type EnumeratedSpace,
  enumerateSpace,
  type ModelEncoding,
  maximizeOverSpace,
} from './acqopt.js';
import {
  type BackendChoice,
  believe,
  conditioned,
  type FitOptions,
  type FitState,
  fitModelUnlessStopped,
  type History,
  localGP,
  NOISE_FREE,
  type OutputWarpChoice,
  readHistory,
  resolveBackend,
} from './acqopt-model.js';
import { sobol } from './sobolStrategy.js';

/** Options of {@link bayesian}; every field has a default. */
/** Options every GP-model strategy (`bayesian()`, `gradient()`) shares; every field has a default. */
export interface ModelOptions {
  /** GP kernel (with ARD lengthscales). Default 'matern52'. */
  kernel?: KernelKind;
  /**
   * The start-up design used until `startupTrials` trials have completed: a strategy (default
   * `sobol()` with the same seed), or a number, shorthand for `{ startup: sobol(), startupTrials: n }`.
   */
  startup?: Strategy | number;
  /**
   * Completed trials before the GP takes over. Default min(10, max(4, 2p − 1)) for p
   * parameters, tuned on the benchmark protocol's problems: with few parameters the GP's priors
   * keep a fit on few points sane and small budgets gain most from model-guided trials (branin:
   * 4 of 50; the 64-configuration seed grid: 5, which finds its optimum by the 11th trial
   * (median) where 7 start-up trials needed 12.5); with 5–6 parameters a smaller design lets the
   * ARD fit settle on one basin too early (Hartmann-6 needs 10).
   */
  startupTrials?: number;
  /** Where candidates are scored. Default 'cpu'. */
  backend?: BackendChoice;
  /** A ready scoring backend (e.g. a WebGPU one sharing TF.js's device); overrides `backend`. */
  surrogateBackend?: SurrogateBackend;
  /** GP hyperparameter fitting (see {@link FitOptions}). */
  fit?: FitOptions;
  /**
   * Transform of the observed values before the GP sees them (see {@link OutputWarp}). Default
   * 'auto': on each full refit, 'none' or 'log', whichever explains the values better (marginal
   * likelihood of the raw values, the warp's Jacobian included) — log for heavy-tailed
   * objectives (Rosenbrock's walls, training runs that sometimes diverge), none for smooth
   * bowls that need resolution at the optimum.
   */
  outputWarp?: OutputWarpChoice;
  /**
   * The objective is noise-free (same configuration → same value), as Optuna's
   * `deterministic_objective`: the GP interpolates (noise fixed at 1e-10) instead of learning a
   * noise level. Default false (`fit.noise` 'auto'). An explicit `fit.noise` wins.
   */
  deterministic?: boolean;
  /** Treat categoricals with monotonic numeric choices as ordered (one GP dimension). Default true. */
  ordinal?: boolean;
  /** Seed of the strategy's random stream; default: the study's seed. */
  seed?: number;
}

/** Options of {@link bayesian}: the shared {@link ModelOptions} plus the acquisition's. */
export interface BayesianOptions extends ModelOptions {
  /** Acquisition function maximised to pick the next configuration. Default 'logEI'. */
  acquisition?: AcquisitionKind;
  /** Quasi-random candidates scored per suggestion. Default max(2048, 256·D), D = encoded dims. */
  candidates?: number;
  /** Candidates drawn around the best configurations so far. Default max(512, 64·D). */
  localCandidates?: number;
  /** Best candidates polished by gradient and local search. Default 8. */
  restarts?: number;
  /** Exploration weight β of 'ucb' (default 4) and margin ξ of the improvement acquisitions (default 0). */
  beta?: number;
  xi?: number;
  /** Finite spaces up to this size are scored exhaustively over untried configurations. Default 20000. */
  maxEnumerate?: number;
}

/** What a model-based strategy keeps between suggestions. */
export interface ModelState extends FitState {
  encoding?: ModelEncoding;
  encodingFor?: unknown;
  finite?: EnumeratedSpace | undefined;
  backend?: SurrogateBackend;
}

const ACQUISITIONS: readonly AcquisitionKind[] = ['ei', 'logEI', 'pi', 'ucb'];

/**
 * Trials the local GP that polishes a start conditions on, once the model holds more than twice
 * as many: an exact evaluation with its gradient costs O(n²) (two triangular solves), which at
 * n = 2,000 made polishing most of a suggestion; the polished point is still judged by the exact
 * acquisition and kept only where that beats the start.
 */
const LOCAL_POLISH_POINTS = 256;
const KERNELS: readonly KernelKind[] = ['matern52', 'rbf'];

/** Validates the options shared by `bayesian()` and `gradient()`; throws naming the option. */
export function validateModelOptions(prefix: string, o: BayesianOptions): void {
  if (o.acquisition !== undefined && !ACQUISITIONS.includes(o.acquisition)) {
    throw new Error(
      `${prefix}.acquisition: '${String(o.acquisition)}' must be one of ${ACQUISITIONS.join(', ')}`,
    );
  }
  if (o.kernel !== undefined && !KERNELS.includes(o.kernel)) {
    throw new Error(`${prefix}.kernel: '${String(o.kernel)}' must be one of ${KERNELS.join(', ')}`);
  }
  if (o.backend !== undefined && !['cpu', 'webgpu', 'auto'].includes(o.backend)) {
    throw new Error(`${prefix}.backend: '${String(o.backend)}' must be 'cpu', 'webgpu' or 'auto'`);
  }
  const counts: [string, number | undefined, number][] = [
    [
      'startupTrials',
      o.startupTrials ?? (typeof o.startup === 'number' ? o.startup : undefined),
      1,
    ],
    ['candidates', o.candidates, 1],
    ['localCandidates', o.localCandidates, 0],
    ['restarts', o.restarts, 1],
    ['maxEnumerate', o.maxEnumerate, 0],
  ];
  for (const [name, v, min] of counts) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
      throw new Error(`${prefix}.${name}: ${v} must be an integer ≥ ${min}`);
    }
  }
  for (const [name, v] of [
    ['beta', o.beta],
    ['xi', o.xi],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new Error(`${prefix}.${name}: ${v} must be finite and ≥ 0`);
  }
  if (o.outputWarp !== undefined && !['auto', 'none', 'tail', 'log'].includes(o.outputWarp)) {
    throw new Error(
      `${prefix}.outputWarp: '${String(o.outputWarp)}' must be 'auto', 'none', 'tail' or 'log'`,
    );
  }
  if (o.deterministic !== undefined && typeof o.deterministic !== 'boolean') {
    throw new Error(`${prefix}.deterministic: ${String(o.deterministic)} must be a boolean`);
  }
  if (o.ordinal !== undefined && typeof o.ordinal !== 'boolean') {
    throw new Error(`${prefix}.ordinal: ${String(o.ordinal)} must be a boolean`);
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed))
    throw new Error(`${prefix}.seed: ${o.seed} must be an integer`);
  const fit = o.fit ?? {};
  if (
    fit.noise !== undefined &&
    fit.noise !== 'auto' &&
    fit.noise !== 'learn' &&
    !(typeof fit.noise === 'number' && fit.noise >= 0 && Number.isFinite(fit.noise))
  ) {
    throw new Error(
      `${prefix}.fit.noise: ${String(fit.noise)} must be 'auto', 'learn' or a finite number ≥ 0`,
    );
  }
  for (const [name, v, min] of [
    ['restarts', fit.restarts, 0],
    ['refitEvery', fit.refitEvery, 1],
    ['maxIterations', fit.maxIterations, 1],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) {
      throw new Error(`${prefix}.fit.${name}: ${v} must be an integer ≥ ${min}`);
    }
  }
  if (
    fit.maxLengthscale !== undefined &&
    !(fit.maxLengthscale > 0 && Number.isFinite(fit.maxLengthscale))
  ) {
    throw new Error(`${prefix}.fit.maxLengthscale: ${fit.maxLengthscale} must be finite and > 0`);
  }
  if (fit.prior !== undefined && fit.prior !== 'optuna' && fit.prior !== 'dimensionScaled') {
    throw new Error(
      `${prefix}.fit.prior: '${String(fit.prior)}' must be 'optuna' or 'dimensionScaled'`,
    );
  }
}

/** The fit options after `deterministic`: noise fixed at {@link NOISE_FREE} unless `fit.noise` says otherwise. */
export function fitOptions(o: BayesianOptions): FitOptions {
  const fit = o.fit ?? {};
  return o.deterministic && fit.noise === undefined ? { ...fit, noise: NOISE_FREE } : fit;
}

/** The start-up phase shared by the model-based strategies: returns its suggestions, or undefined once the model takes over. */
export async function startupSuggest(
  context: SuggestContext,
  startup: Strategy,
  startupTrials: number,
): Promise<Config[] | undefined> {
  let complete = 0;
  let started = 0;
  for (const t of context.trials) {
    if (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) complete++;
    if (t.state !== 'failed') started++;
  }
  // Start-up while fewer than startupTrials trials are done or in flight, and always until two have completed.
  if (complete >= 2 && started >= startupTrials) return undefined;
  if (complete >= startupTrials) return undefined;
  return startup.suggest(context);
}

/** Resolves the start-up strategy and size from the options. */
export function resolveStartup(
  o: BayesianOptions,
  paramCount: number,
): { strategy: Strategy; trials: number } {
  const design = () => sobol(o.seed !== undefined ? { seed: o.seed } : {});
  const strategy = typeof o.startup === 'object' ? toppedUp(o.startup, design()) : design();
  const trials =
    o.startupTrials ??
    (typeof o.startup === 'number' ? o.startup : Math.min(10, Math.max(4, 2 * paramCount - 1)));
  return { strategy, trials };
}

/**
 * `startup`, topped up by `fallback` once it returns fewer than asked: a finite design (grid,
 * exhaustive) can run out before the start-up phase ends, and an empty answer would end the study.
 */
function toppedUp(startup: Strategy, fallback: Strategy): Strategy {
  return {
    name: startup.name,
    async suggest(context) {
      const out = await startup.suggest(context);
      if (out.length >= context.count) return out;
      const more = await fallback.suggest({ ...context, count: context.count - out.length });
      return [...out, ...more];
    },
  };
}

/** (Re)builds the per-space cache: model encoding and, for small finite spaces, the enumeration. */
export function ensureEncoding(
  state: ModelState,
  context: SuggestContext,
  o: BayesianOptions,
): ModelEncoding {
  if (state.encoding && state.encodingFor === context.space) return state.encoding;
  const ordinal = o.ordinal ?? true;
  state.encoding = createModelEncoding(context.space, o.kernel ?? 'matern52', { ordinal });
  state.encodingFor = context.space;
  state.finite = enumerateSpace(context.space, state.encoding, o.maxEnumerate ?? 20000);
  delete state.params;
  delete state.warp;
  delete state.noiseFree;
  return state.encoding;
}

/**
 * Bayesian optimisation with a Gaussian-process surrogate (Matérn-5/2 ARD by default) and an
 * acquisition function (log-EI by default), after a quasi-random start-up design.
 *
 * Each suggestion: encode the completed trials (failed ones dropped, values negated when
 * maximising), fit the GP (warm-started from the previous fit), then maximise the acquisition:
 * finite spaces of up to `maxEnumerate` configurations are scored exactly over their untried
 * configurations; otherwise a scrambled Sobol pool plus perturbations of the incumbents is scored
 * on the surrogate backend and the best few are polished by projected L-BFGS (continuous
 * dimensions) and local search (discrete and categorical ones). Pending trials and the other
 * members of a batch are fantasised at the GP mean (kriging believer), so a batch is spread out.
 * A configuration already evaluated or in flight is never proposed while others remain.
 */
export function bayesian(options: BayesianOptions = {}): Strategy {
  validateModelOptions('bayesian', options);
  const o = options;
  const state: ModelState = {};
  let startup: { strategy: Strategy; trials: number } | undefined;
  return {
    name: 'bayesian',
    async suggest(context) {
      startup ??= resolveStartup(o, context.space.names.length);
      // Resolved before the start-up design, so an unavailable backend fails on the first call.
      state.backend ??= await resolveBackend(o.backend ?? 'cpu', o.surrogateBackend);
      const early = await startupSuggest(context, startup.strategy, startup.trials);
      if (early) return early;
      const encoding = ensureEncoding(state, context, o);
      const rng = createRng(o.seed ?? context.seed).fork(`bayesian:${context.trials.length}`);
      const history = readHistory(context, encoding);
      const fitted = fitModelUnlessStopped(
        context.signal,
        history,
        encoding,
        state,
        fitOptions(o),
        () => rng.random(),
        o.outputWarp ?? 'auto',
      );
      return proposeBatch(context, history, encoding, fitted, state, o, rng);
    },
    destroy() {
      state.backend?.destroy();
      delete state.backend;
    },
  };
}

async function proposeBatch(
  context: SuggestContext,
  history: History,
  encoding: ModelEncoding,
  fitted: { gp: FittedGP; y: Float64Array },
  state: ModelState,
  o: BayesianOptions,
  rng: ReturnType<typeof createRng>,
): Promise<Config[]> {
  const { space } = context;
  const exclude = new Set(history.exclude);
  let model = believe(conditioned(fitted.gp, fitted.y), history.pending);
  // The warps keep the order, so the best trial is still history.order[0].
  const bestRaw = fitted.y[history.order[0]!]!;
  const incumbents = history.order.slice(0, 3).map((i) => history.points[i]!);
  const out: Config[] = [];
  const acqOptions: AcqOptimizerOptions = {};
  if (o.candidates !== undefined) acqOptions.candidates = o.candidates;
  if (o.localCandidates !== undefined) acqOptions.localCandidates = o.localCandidates;
  if (o.restarts !== undefined) acqOptions.restarts = o.restarts;
  for (let j = 0; j < context.count; j++) {
    const gp = model.gp;
    const acquisition: AcquisitionSpec = {
      kind: o.acquisition ?? 'logEI',
      best: (bestRaw - gp.yMean) / gp.yStd,
    };
    if (o.beta !== undefined) acquisition.beta = o.beta;
    if (o.xi !== undefined) acquisition.xi = o.xi;
    const proposal = await maximizeOverSpace({
      space,
      encoding,
      gp,
      backend: state.backend!,
      acquisition,
      objective: acquisitionObjective(gp, encoding, acquisition),
      ...(gp.n > 2 * LOCAL_POLISH_POINTS
        ? {
            localObjective: (start: Float64Array) =>
              acquisitionObjective(
                localGP(model, encoding.toModel(start), LOCAL_POLISH_POINTS),
                encoding,
                acquisition,
              ),
          }
        : {}),
      random: rng,
      poolSeed: Math.floor(rng.random() * 2 ** 31),
      incumbents,
      lengthscales: gp.params.lengthscales,
      exclude,
      options: acqOptions,
      ...(state.finite ? { finite: state.finite } : {}),
    });
    out.push(proposal.config);
    context.signal?.throwIfAborted();
    exclude.add(space.key(proposal.config));
    if (j + 1 < context.count) model = believe(model, [encoding.toModel(proposal.point)]);
  }
  return out;
}
