import type { Strategy, SuggestContext } from '@webtune/core';
import { createRng } from '@webtune/core';
import type { FittedGP, SurrogateBackend } from '@webtune/gp';
import { posterior, posteriorWithGradient } from '@webtune/gp';
import type { Config } from '@webtune/space';
import {
  acquisitionObjective,
  type EnumeratedSpace,
  localSearchDiscrete,
  type ModelEncoding,
  maximizeOverSpace,
  type PointObjective,
  sobolPool,
} from './acqopt.js';
import {
  believe,
  type Conditioned,
  conditioned,
  fitModelUnlessStopped,
  readHistory,
  resolveBackend,
} from './acqopt-model.js';
import {
  ensureEncoding,
  fitOptions,
  type ModelOptions,
  type ModelState,
  resolveStartup,
  startupSuggest,
  validateModelOptions,
} from './bayesian.js';

/** Options of {@link gradient}: the shared {@link ModelOptions} (kernel, start-up, fit, backend …) plus the descent's. */
export interface GradientOptions extends ModelOptions {
  /** Starting points from the best completed trials. Default 3. */
  bestStarts?: number;
  /** Extra quasi-random starting points. Default 2. */
  randomStarts?: number;
  /** Initial step size α in the unit cube; adapted by backtracking. Default 0.1. */
  stepSize?: number;
  /** Iteration cap of each descent. Default 100. */
  iterations?: number;
  /**
   * Exploration weight κ: the descent minimises μ(θ) − κ·σ(θ) instead of the posterior mean μ.
   * Default 0 (pure exploitation of the mean).
   */
  exploration?: number;
  /**
   * A descent ending closer than this (Euclidean, model unit cube) to a tried or pending point
   * counts as a repeat: the next start's result is taken instead, and when every start repeats
   * the strategy takes one exploratory step (maximises UCB) instead. Default 1e-4.
   */
  minDistance?: number;
}

/**
 * Gradient-based optimisation on the GP surrogate, as in the seed document: from several good
 * starting points (the best trials so far plus a few quasi-random ones), take steps
 * θ ← Π(θ − α ∇θ E[Y(θ) | X]) down the GP posterior mean (ascent of −μ; the strategy negates
 * values when the study maximises), projected onto the bounds, with backtracking (Armijo) step
 * control. Continuous parameters move by gradient; discrete and categorical ones are searched
 * locally (neighbouring steps, other choices). The best end point that is not a repeat of a
 * tried or pending configuration is suggested.
 *
 * Prefer it for smooth, low-noise objectives and for exploitation after an exploratory phase
 * (e.g. after `bayesian()` or Sobol trials): it converges fast to the minimum of the
 * surrogate near good points. It does not explore (set `exploration` > 0 for a little), so on
 * multimodal objectives it settles in the basin it starts in; use `bayesian()` there.
 */
export function gradient(options: GradientOptions = {}): Strategy {
  const o = options;
  validateModelOptions('gradient', o);
  for (const [name, v, min] of [
    ['bestStarts', o.bestStarts, 0],
    ['randomStarts', o.randomStarts, 0],
    ['iterations', o.iterations, 1],
  ] as const) {
    if (v !== undefined && !(Number.isInteger(v) && v >= min))
      throw new Error(`gradient.${name}: ${v} must be an integer ≥ ${min}`);
  }
  for (const [name, v] of [
    ['stepSize', o.stepSize],
    ['exploration', o.exploration],
    ['minDistance', o.minDistance],
  ] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 0))
      throw new Error(`gradient.${name}: ${v} must be finite and ≥ 0`);
  }
  if (o.stepSize !== undefined && !(o.stepSize > 0))
    throw new Error(`gradient.stepSize: ${o.stepSize} must be > 0`);
  const state: ModelState = {};
  let startup: { strategy: Strategy; trials: number } | undefined;
  return {
    name: 'gradient',
    async suggest(context) {
      startup ??= resolveStartup(o, context.space.names.length);
      const early = await startupSuggest(context, startup.strategy, startup.trials);
      if (early) return early;
      const encoding = ensureEncoding(state, context, o);
      const rng = createRng(o.seed ?? context.seed).fork(`gradient:${context.trials.length}`);
      const history = readHistory(context, encoding);
      const { gp, y } = fitModelUnlessStopped(
        context.signal,
        history,
        encoding,
        state,
        fitOptions(o),
        () => rng.random(),
        o.outputWarp ?? 'auto',
      );
      return descendBatch(context, gp, y, encoding, history, state, o, rng);
    },
    destroy() {
      state.backend?.destroy();
      delete state.backend;
    },
  };
}

/** −μ(θ) + κ·σ(θ) over space points, with its gradient on the continuous dims. */
function meanObjective(gp: FittedGP, encoding: ModelEncoding, kappa: number): PointObjective {
  const mp = new Float64Array(encoding.modelDims);
  return {
    valueAndGrad(point, grad) {
      encoding.toModel(point, mp);
      const p = posteriorWithGradient(gp, mp);
      const s = Math.sqrt(p.variance);
      grad.fill(0);
      for (let j = 0; j < encoding.continuous.length; j++) {
        const mj = encoding.continuousModel[j]!;
        grad[encoding.continuous[j]!] =
          -p.dMean[mj]! + (kappa > 0 ? (kappa * p.dVariance[mj]!) / (2 * s) : 0);
      }
      return -p.mean + kappa * s;
    },
    values(points, m) {
      const xm = encoding.manyToModel(points, m);
      const post = posterior(gp, xm, m);
      const out = new Float64Array(m);
      for (let i = 0; i < m; i++) out[i] = -post.mean[i]! + kappa * Math.sqrt(post.variance[i]!);
      return out;
    },
  };
}

/**
 * Projected gradient ascent of `f` on the dims `free`, in [0, 1]: θ ← Π(θ + α g), α grown by
 * 1.5 after an accepted step and halved until the Armijo condition holds. `x` is updated in place.
 */
export function projectedAscent(
  f: PointObjective,
  x: Float64Array,
  free: Int32Array,
  stepSize: number,
  iterations: number,
): number {
  const g = new Float64Array(x.length);
  const gNew = new Float64Array(x.length);
  const xNew = new Float64Array(x.length);
  let v = f.valueAndGrad(x, g);
  if (free.length === 0 || !Number.isFinite(v)) return v;
  let alpha = stepSize;
  for (let it = 0; it < iterations; it++) {
    let accepted = false;
    let moved = 0;
    for (let ls = 0; ls < 30; ls++) {
      xNew.set(x);
      let gain = 0;
      moved = 0;
      for (let j = 0; j < free.length; j++) {
        const i = free[j]!;
        const xi = Math.min(1, Math.max(0, x[i]! + alpha * g[i]!));
        gain += g[i]! * (xi - x[i]!);
        moved = Math.max(moved, Math.abs(xi - x[i]!));
        xNew[i] = xi;
      }
      if (moved === 0) break;
      const vNew = f.valueAndGrad(xNew, gNew);
      if (Number.isFinite(vNew) && vNew >= v + 1e-4 * gain) {
        x.set(xNew);
        g.set(gNew);
        v = vNew;
        accepted = true;
        alpha = Math.min(alpha * 1.5, 10);
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted || moved < 1e-9) break;
  }
  return v;
}

async function descendBatch(
  context: SuggestContext,
  gp: FittedGP,
  y: Float64Array,
  encoding: ModelEncoding,
  history: ReturnType<typeof readHistory>,
  state: { backend?: SurrogateBackend; finite?: EnumeratedSpace | undefined },
  o: GradientOptions,
  rng: ReturnType<typeof createRng>,
): Promise<Config[]> {
  const { space } = context;
  const D = space.dims;
  const f = meanObjective(gp, encoding, o.exploration ?? 0);
  const starts: Float64Array[] = history.order
    .slice(0, o.bestStarts ?? 3)
    .map((i) => Float64Array.from(history.points[i]!));
  const nRandom = o.randomStarts ?? 2;
  if (nRandom > 0) {
    const pool = sobolPool(space, nRandom, Math.floor(rng.random() * 2 ** 31));
    for (let r = 0; r < nRandom; r++)
      starts.push(space.encode(space.decode(pool.subarray(r * D, (r + 1) * D))));
  }
  const ends: { config: Config; point: Float64Array; value: number }[] = [];
  for (const x of starts) {
    let v = projectedAscent(f, x, encoding.continuous, o.stepSize ?? 0.1, o.iterations ?? 100);
    v = localSearchDiscrete(f, space, encoding, x, v, 5);
    const config = space.decode(x);
    ends.push({ config, point: space.encode(config), value: v });
  }
  ends.sort((a, b) => b.value - a.value);
  const taken: Float64Array[] = [
    ...history.points.map((p) => encoding.toModel(p)),
    ...history.pending,
  ];
  const exclude = new Set(history.exclude);
  const minDistance = o.minDistance ?? 1e-4;
  const out: Config[] = [];
  for (const e of ends) {
    if (out.length >= context.count) break;
    if (exclude.has(space.key(e.config))) continue;
    const mp = encoding.toModel(e.point);
    if (taken.some((t) => distance(t, mp) < minDistance)) continue;
    out.push(e.config);
    exclude.add(space.key(e.config));
    taken.push(mp);
  }
  // Every descent repeated a tried point: explore by the upper confidence bound, fantasising
  // the pending points and earlier picks at the mean (kriging believer) so picks differ.
  let model: Conditioned | undefined;
  while (out.length < context.count) {
    state.backend ??= await resolveBackend(o.backend ?? 'cpu', o.surrogateBackend);
    model = model
      ? believe(model, [taken[taken.length - 1]!])
      : believe(conditioned(gp, y), taken.slice(history.n));
    const acquisition = { kind: 'ucb' as const, best: 0, beta: 4 };
    const p = await maximizeOverSpace({
      space,
      encoding,
      gp: model.gp,
      backend: state.backend,
      acquisition,
      objective: acquisitionObjective(model.gp, encoding, acquisition),
      random: rng,
      poolSeed: Math.floor(rng.random() * 2 ** 31),
      incumbents: [],
      exclude,
      ...(state.finite ? { finite: state.finite } : {}),
    });
    out.push(p.config);
    exclude.add(space.key(p.config));
    taken.push(encoding.toModel(p.point));
  }
  return out;
}

function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const t = a[i]! - b[i]!;
    s += t * t;
  }
  return Math.sqrt(s);
}
