import type { Direction, FrozenTrial, Rng, Strategy } from '@webtune/core';
import type { Config, ParamValue, Space } from '@webtune/space';
import { checkBoolean, checkSeed, drawDistinct, strategyRng, TriedKeys } from './common.js';
import {
  defaultWeights,
  ParzenEstimator,
  type ParzenOptions,
  type TpeBandwidth,
  type TpeDim,
  tpeDim,
} from './tpe-parzen.js';

/** Options of {@link tpe}. */
export interface TpeOptions {
  /** Seed of the stream. Default: the study's seed. */
  seed?: number;
  /** Random (uniform) suggestions until this many trials have finished (complete or pruned). Default 10. */
  startup?: number;
  /** Candidates drawn from l(x) per suggestion; the one with the largest log l(x) − log g(x) wins. Default 24. */
  candidates?: number;
  /**
   * How many of the n finished trials form the "good" group l(x). Default Optuna's
   * min(⌈0.1·n⌉, 25). The result is rounded down and clamped to [0, n].
   */
  gamma?: (n: number) => number;
  /** Sample and score all (unconditional) parameters jointly with product kernels. Default false. */
  multivariate?: boolean;
  /**
   * With `multivariate`: decompose the space into groups of parameters that are always active
   * together (Optuna's `group=True`) and model each group jointly. Default false.
   */
  group?: boolean;
  /** Running trials count as the worst: they join g(x) (Optuna's `constant_liar`). Default false. */
  constantLiar?: boolean;
  /** Weight of the prior component against observations of weight ≤ 1. Default 1. */
  priorWeight?: number;
  /** Neighbour bandwidth rule: the outermost kernels may reach to the bounds. Default false. */
  considerEndpoints?: boolean;
  /**
   * Kernel widths, see {@link TpeBandwidth}. Default `'optuna3'` when univariate (Optuna 3.1's
   * default sampler), `'neighbours'` with `multivariate` (Optuna ≥ 4; the Scott-like 3.x rule
   * does worse).
   */
  bandwidth?: TpeBandwidth;
  /**
   * Score candidates with each continuous kernel's weight multiplied by its width σ, as Optuna
   * 3.1's TPESampler does (its truncated-normal log density leaves out −log σ), instead of by the
   * exact mixture density; draws from l are unaffected. Default true when univariate (Optuna
   * 3.1), false with `multivariate` (there it measured worse on 3 of the 5 benchmark problems).
   */
  widthWeighted?: boolean;
}

/** Optuna's default gamma: min(⌈0.1·n⌉, 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * When sampling keeps repeating in a finite space, untried configurations are scored until
 * configurations × mixture components reaches this; beyond it, a random subset of them.
 */
const SCORE_UNTRIED_WORK = 500_000;
/** Finite spaces up to this size may be enumerated. */
const ENUMERATE_LIMIT = 100_000;

/** A trial's configuration and number, as the estimators use it. */
export interface Observation {
  params: Config;
  number: number;
}

/** A set of parameters modelled together, with its estimators for the current suggestion. */
interface Unit {
  dims: TpeDim[];
  below: ParzenEstimator;
  above: ParzenEstimator;
}

/** Candidate values of one unit, best score first. */
interface Ranked {
  unit: Unit;
  samples: number[][];
  scores: Float64Array;
}

/**
 * The Tree-structured Parzen Estimator (Bergstra et al. 2011). With its defaults it is Optuna
 * 3.1's default `TPESampler` (Watanabe 2023 explains each component); `multivariate` follows
 * Optuna ≥ 4's multivariate sampler. After `startup` random trials, finished trials
 * are split by value into the best γ(n) ("below", density l) and the rest ("above", density g):
 * complete trials by value (direction-aware, ties by trial number), then pruned ones by their
 * last intermediate value (more steps first), failed ones ignored; with `constantLiar` running
 * trials join the rest. Each density is a Parzen estimator (truncated Gaussians in the
 * log-transformed space for floats and log ints, mass on each value's cell for other ints and
 * stepped floats, weighted categorical distributions for choices, plus a prior component;
 * Optuna's weights ramp down trials older than the newest 25). `candidates` points are drawn
 * from l and the one maximising log l − log g is suggested (with `widthWeighted`, each kernel
 * counted with its width as Optuna 3.1 does).
 *
 * Univariate (default): every parameter is modelled and chosen on its own, over the trials where
 * it is active. `multivariate`: the unconditional parameters are modelled jointly (product
 * kernels); conditional ones on their own. `multivariate` + `group`: the
 * parameters are split into groups always active together, each modelled jointly.
 *
 * Batches: each further member of a batch is drawn with the earlier ones added to g as liars, so
 * a batch spreads out. In finite spaces a configuration already tried (running trials included)
 * or already in the batch is not suggested while untried ones remain.
 */
export function tpe(options: TpeOptions = {}): Strategy {
  checkSeed('tpe', options.seed);
  for (const key of [
    'multivariate',
    'group',
    'constantLiar',
    'considerEndpoints',
    'widthWeighted',
  ] as const) {
    checkBoolean('tpe', key, options[key]);
  }
  const startup = options.startup ?? 10;
  if (!Number.isInteger(startup) || startup < 0) {
    throw new RangeError(`tpe: startup (${String(startup)}) must be an integer ≥ 0`);
  }
  const candidates = options.candidates ?? 24;
  if (!Number.isInteger(candidates) || candidates < 1) {
    throw new RangeError(`tpe: candidates (${String(candidates)}) must be an integer ≥ 1`);
  }
  const priorWeight = options.priorWeight ?? 1;
  if (typeof priorWeight !== 'number' || !Number.isFinite(priorWeight) || priorWeight <= 0) {
    throw new RangeError(`tpe: priorWeight (${String(priorWeight)}) must be a finite number > 0`);
  }
  const gamma = options.gamma ?? defaultGamma;
  if (typeof gamma !== 'function') {
    throw new TypeError(`tpe: gamma (${String(gamma)}) must be a function of n`);
  }
  const multivariate = options.multivariate ?? false;
  const group = options.group ?? false;
  if (group && !multivariate) {
    throw new RangeError('tpe: group (true) needs multivariate: true');
  }
  const bandwidth = options.bandwidth ?? (multivariate ? 'neighbours' : 'optuna3');
  if (bandwidth !== 'neighbours' && bandwidth !== 'optuna3') {
    throw new RangeError(`tpe: bandwidth (${String(bandwidth)}) must be 'neighbours' or 'optuna3'`);
  }
  const parzen: ParzenOptions = {
    priorWeight,
    multivariate,
    considerEndpoints: options.considerEndpoints ?? false,
    bandwidth,
    widthWeighted: options.widthWeighted ?? !multivariate,
  };
  const constantLiar = options.constantLiar ?? false;

  let rng: Rng | undefined;
  const tried = new TriedKeys();
  let cachedSpace: Space | undefined;
  let dims = new Map<string, TpeDim | undefined>();

  return {
    name: 'tpe',
    async suggest(context) {
      rng ??= strategyRng('tpe', options.seed, context);
      const r = rng;
      const { space, trials } = context;
      tried.update(space, context);
      if (space !== cachedSpace) {
        cachedSpace = space;
        dims = new Map(space.names.map((name) => [name, tpeDim(name, space.param(name))]));
      }
      const finished = trials.filter(
        (t) =>
          (t.state === 'complete' && t.value !== undefined && Number.isFinite(t.value)) ||
          t.state === 'pruned',
      );
      if (finished.length < startup) {
        return drawDistinct(context, tried, () => space.sample(r), r);
      }
      const nBelow = Math.min(
        finished.length,
        Math.max(0, Math.floor(Number(gamma(finished.length)) || 0)),
      );
      const { below, above } = splitTrials(finished, context.direction, nBelow);
      const liars: Observation[] = constantLiar
        ? trials
            .filter((t) => t.state === 'running')
            .map((t) => ({ params: t.params, number: t.number }))
        : [];
      const members = [...below, ...above, ...liars];
      const size = space.size();
      const batchKeys = new Set<string>();
      const out: Config[] = [];
      for (let i = 0; i < context.count; i++) {
        const units = buildUnits(space, dims, [...members], below, [...above, ...liars], {
          multivariate,
          group,
          parzen,
        });
        const ranked = units.map((unit) => rankUnit(unit, r, candidates));
        const isNew = (key: string) => !tried.has(key) && !batchKeys.has(key);
        const untriedRemain = Number.isFinite(size) && size - tried.size - batchKeys.size > 0;
        let config = assemble(space, dims, ranked, () => 0);
        if (!isNew(space.key(config)) && (untriedRemain || !Number.isFinite(size))) {
          config =
            bestNewCandidate(space, dims, ranked, isNew) ??
            (untriedRemain ? bestUntried(space, units, isNew, r) : undefined) ??
            config;
        }
        batchKeys.add(space.key(config));
        out.push(config);
        const liar = { params: config, number: Number.MAX_SAFE_INTEGER - context.count + i };
        liars.push(liar);
        members.push(liar);
      }
      return out;
    },
  };
}

/** Optuna's `_split_trials`: the best `nBelow` finished trials and the rest, each in trial order. */
export function splitTrials(
  finished: readonly FrozenTrial[],
  direction: Direction,
  nBelow: number,
): { below: Observation[]; above: Observation[] } {
  const sign = direction === 'minimize' ? 1 : -1;
  const complete = finished
    .filter((t) => t.state === 'complete')
    .sort((p, q) => sign * (p.value! - q.value!) || p.number - q.number);
  const pruned = finished
    .filter((t) => t.state === 'pruned')
    .map((t) => ({ t, score: prunedScore(t, sign) }))
    .sort(
      (p, q) =>
        p.score[0] - q.score[0] || compareValues(p.score[1], q.score[1]) || p.t.number - q.t.number,
    )
    .map(({ t }) => t);
  const ranked = [...complete, ...pruned];
  const byNumber = (p: Observation, q: Observation) => p.number - q.number;
  const obs = (t: FrozenTrial): Observation => ({ params: t.params, number: t.number });
  return {
    below: ranked.slice(0, nBelow).map(obs).sort(byNumber),
    above: ranked.slice(nBelow).map(obs).sort(byNumber),
  };
}

function compareValues(p: number, q: number): number {
  return p === q ? 0 : p < q ? -1 : 1;
}

/** Optuna's `_get_pruned_trial_score`: (−last step, signed value there); (1, 0) without reports. */
function prunedScore(t: FrozenTrial, sign: number): [number, number] {
  if (t.intermediate.length === 0) return [1, 0];
  let last = t.intermediate[0]!;
  for (const iv of t.intermediate) if (iv.step > last.step) last = iv;
  if (Number.isNaN(last.value)) return [-last.step, Number.POSITIVE_INFINITY];
  return [-last.step, sign * last.value];
}

interface UnitOptions {
  multivariate: boolean;
  group: boolean;
  parzen: ParzenOptions;
}

/** The parameter groups to model, each with its below (l) and above (g) estimators. */
function buildUnits(
  space: Space,
  dims: ReadonlyMap<string, TpeDim | undefined>,
  members: readonly Observation[],
  below: readonly Observation[],
  above: readonly Observation[],
  options: UnitOptions,
): Unit[] {
  const modelled = space.names.filter((name) => dims.get(name) !== undefined);
  let groups: string[][];
  if (!options.multivariate) {
    groups = modelled.map((name) => [name]);
  } else if (options.group) {
    groups = decompose(modelled, members);
  } else {
    const joint = modelled.filter((name) => space.param(name).when === undefined);
    groups = [
      ...(joint.length > 0 ? [joint] : []),
      ...modelled.filter((name) => space.param(name).when !== undefined).map((name) => [name]),
    ];
  }
  return groups.map((names) => {
    const unitDims = names.map((name) => dims.get(name)!);
    const observe = (list: readonly Observation[]) => {
      const rows: number[][] = [];
      for (const o of list) {
        const row = parseRow(unitDims, o.params);
        if (row !== undefined) rows.push(row);
      }
      return new ParzenEstimator(unitDims, rows, defaultWeights(rows.length), options.parzen);
    };
    return { dims: unitDims, below: observe(below), above: observe(above) };
  });
}

/** Internal values of `dims` in a configuration, or undefined when any is inactive or invalid. */
function parseRow(dims: readonly TpeDim[], params: Config): number[] | undefined {
  const row: number[] = [];
  for (const dim of dims) {
    const v = params[dim.name];
    if (v === undefined) return undefined;
    const x = dim.parse(v);
    if (x === undefined) return undefined;
    row.push(x);
  }
  return row;
}

/**
 * Optuna's `_GroupDecomposedSearchSpace`: split the parameters into the coarsest groups such that
 * every trial's active set is a union of groups. Parameters never seen active form one group each.
 */
export function decompose(names: readonly string[], trials: readonly Observation[]): string[][] {
  let groups: Set<string>[] = [];
  const known = new Set(names);
  for (const t of trials) {
    const active = new Set(Object.keys(t.params).filter((name) => known.has(name)));
    if (active.size === 0) continue;
    const next: Set<string>[] = [];
    const covered = new Set<string>();
    for (const g of groups) {
      const inside = new Set([...g].filter((name) => active.has(name)));
      const outside = new Set([...g].filter((name) => !active.has(name)));
      for (const name of inside) covered.add(name);
      if (inside.size > 0) next.push(inside);
      if (outside.size > 0) next.push(outside);
    }
    const fresh = new Set([...active].filter((name) => !covered.has(name)));
    if (fresh.size > 0) next.push(fresh);
    groups = next;
  }
  const seen = new Set(groups.flatMap((g) => [...g]));
  const order = new Map(names.map((name, i) => [name, i]));
  const result = groups.map((g) => [...g].sort((p, q) => order.get(p)! - order.get(q)!));
  for (const name of names) if (!seen.has(name)) result.push([name]);
  return result.sort((p, q) => order.get(p[0]!)! - order.get(q[0]!)!);
}

/** Draws `m` candidates of a unit from l and orders them by log l − log g, best first. */
function rankUnit(unit: Unit, rng: Rng, m: number): Ranked {
  const samples = unit.below.sample(rng, m);
  const raw = acquisition(unit, samples);
  const order = Array.from({ length: m }, (_, i) => i).sort((p, q) => raw[q]! - raw[p]! || p - q);
  return {
    unit,
    samples: order.map((i) => samples[i]!),
    scores: Float64Array.from(order, (i) => raw[i]!),
  };
}

/** log l(x) − log g(x) for m×d internal samples; −∞ where it is undefined. */
function acquisition(unit: Unit, samples: readonly (readonly number[])[]): Float64Array {
  const l = unit.below.logPdf(samples);
  const g = unit.above.logPdf(samples);
  return l.map((lv, i) => {
    const s = lv - g[i]!;
    return Number.isNaN(s) ? Number.NEGATIVE_INFINITY : s;
  });
}

/** The parameters active under a full assignment (conditions evaluated through their parents). */
function activeNames(space: Space, values: ReadonlyMap<string, ParamValue>): Set<string> {
  const memo = new Map<string, boolean>();
  const isActive = (name: string): boolean => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const when = space.param(name).when;
    let active = true;
    if (when !== undefined) {
      for (const [parent, allowed] of Object.entries(when)) {
        if (!isActive(parent) || !allowed.includes(values.get(parent)!)) {
          active = false;
          break;
        }
      }
    }
    memo.set(name, active);
    return active;
  };
  return new Set(space.names.filter(isActive));
}

/**
 * The configuration taking candidate `column(unit)` of each unit (fixed parameters at their only
 * value), with inactive parameters dropped.
 */
function assemble(
  space: Space,
  dims: ReadonlyMap<string, TpeDim | undefined>,
  ranked: readonly Ranked[],
  column: (index: number) => number,
): Config {
  const values = new Map<string, ParamValue>();
  for (const name of space.names) {
    if (dims.get(name) === undefined) values.set(name, onlyValue(space, name));
  }
  ranked.forEach((rk, u) => {
    const sample = rk.samples[column(u)]!;
    rk.unit.dims.forEach((dim, j) => {
      values.set(dim.name, dim.value(sample[j]!));
    });
  });
  const active = activeNames(space, values);
  const config: Config = {};
  for (const name of space.names) if (active.has(name)) config[name] = values.get(name)!;
  return config;
}

function onlyValue(space: Space, name: string): ParamValue {
  const json = space.param(name);
  return json.type === 'categorical' ? json.choices[0]! : json.low;
}

/** Among the configurations pairing the j-th best candidates of every unit, the best-scoring new one. */
function bestNewCandidate(
  space: Space,
  dims: ReadonlyMap<string, TpeDim | undefined>,
  ranked: readonly Ranked[],
  isNew: (key: string) => boolean,
): Config | undefined {
  const m = ranked[0]?.samples.length ?? 0;
  let best: Config | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let j = 1; j < m; j++) {
    const config = assemble(space, dims, ranked, () => j);
    if (!isNew(space.key(config))) continue;
    let score = 0;
    for (const rk of ranked) {
      if (rk.unit.dims.every((d) => config[d.name] !== undefined)) score += rk.scores[j]!;
    }
    if (best === undefined || score > bestScore) {
      best = config;
      bestScore = score;
    }
  }
  return best;
}

/**
 * In a finite space whose candidates keep repeating: the untried configuration with the largest
 * total log l − log g (units counted where active), among all of them or a random subset.
 */
function bestUntried(
  space: Space,
  units: readonly Unit[],
  isNew: (key: string) => boolean,
  rng: Rng,
): Config | undefined {
  if (space.size() > ENUMERATE_LIMIT) return undefined;
  let untried = space.enumerate().filter((c) => isNew(space.key(c)));
  if (untried.length === 0) return undefined;
  let components = 0;
  for (const unit of units) components += unit.below.components + unit.above.components;
  const cap = Math.max(64, Math.floor(SCORE_UNTRIED_WORK / Math.max(1, components)));
  if (untried.length > cap) untried = rng.shuffle(untried).slice(0, cap);
  const totals = new Float64Array(untried.length);
  for (const unit of units) {
    const rows: number[][] = [];
    const at: number[] = [];
    untried.forEach((c, i) => {
      const row = parseRow(unit.dims, c);
      if (row !== undefined) {
        rows.push(row);
        at.push(i);
      }
    });
    const scores = acquisition(unit, rows);
    at.forEach((i, s) => {
      totals[i]! += scores[s]!;
    });
  }
  let best = 0;
  for (let i = 1; i < untried.length; i++) if (totals[i]! > totals[best]!) best = i;
  return untried[best];
}
