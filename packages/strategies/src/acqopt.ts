/*
 * Acquisition optimisation shared by `bayesian()` and `gradient()`.
 *
 * Notation (as in @webtune/gp):
 *   D  dims of the space's unit-cube encoding (`space.dims`); a "point" is a Float64Array(D).
 *   d  dims of the model encoding the GP sees (≤ D: ordered numeric categoricals collapse to one dim).
 *   m  candidates; a candidate set is m×d (model) or m×D (space), row-major.
 */
import type {
  AcquisitionSpec,
  FittedGP,
  InputGroup,
  KernelKind,
  KernelSpec,
  SurrogateBackend,
} from '@webtune/gp';
import {
  acquisitionValues,
  acquisitionWithGradient,
  mulberry32,
  posterior,
  posteriorWithGradient,
} from '@webtune/gp';
import type { Config, Space } from '@webtune/space';
import { createSobol } from './sobol.js';
import { SOBOL_MAX_DIMS } from './sobolDirections.js';
import { parameterwiseSobol } from './sobolStrategy.js';

/** The random stream acquisition optimisation draws from. */
export interface AcqRandom {
  random(): number;
  normal(): number;
}

/**
 * How configurations reach the GP. Continuous and discrete dimensions of the space encoding are
 * copied; a categorical block whose choices are all numbers in strictly monotonic order collapses
 * to one ordered dimension (its choice's rank / (choices − 1)) when `ordinal` is on; every other
 * categorical block collapses to one code dimension — (choice index + ½)/choices, 0 when the
 * parameter is inactive — declared as a kernel group of size 1, so the kernel sees "same choice or
 * not" exactly as it would on the one-hot block (the Hamming distance), at one dimension per
 * parameter however many choices it has.
 */
export interface ModelEncoding {
  readonly spaceDims: number;
  readonly modelDims: number;
  readonly kernel: KernelSpec;
  /** True when model points are the space points themselves (no categorical parameters). */
  readonly identity: boolean;
  /** Space dims that gradient polishing moves (continuous floats), with their model dim. */
  readonly continuous: Int32Array;
  readonly continuousModel: Int32Array;
  /** Parameters searched locally by neighbouring values: discrete (int / stepped) ones. */
  readonly discreteParams: readonly string[];
  /** Categorical parameters: searched locally by trying the other choices. */
  readonly categoricalParams: readonly { param: string; start: number; size: number }[];
  /** Space point → model point (writes into `out` at `offset` when given). */
  toModel(point: ArrayLike<number>, out?: Float64Array, offset?: number): Float64Array;
  /** m space points (m×D) → m model points (m×d). Returns the input when `identity`. */
  manyToModel(points: Float64Array, m: number): Float64Array;
}

/** Builds the model encoding of a space (see {@link ModelEncoding}). */
export function createModelEncoding(
  space: Space,
  kind: KernelKind,
  options: { ordinal?: boolean } = {},
): ModelEncoding {
  const ordinal = options.ordinal ?? true;
  const D = space.dims;
  const groupAt = new Map<
    number,
    { param: string; start: number; size: number; ordered: boolean }
  >();
  for (const g of space.categoricalGroups) {
    const def = space.param(g.param);
    let ordered = false;
    if (ordinal && def.type === 'categorical' && g.size >= 3) {
      const c = def.choices;
      if (c.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        const nums = c as readonly number[];
        let up = true;
        let down = true;
        for (let i = 1; i < nums.length; i++) {
          if (!(nums[i]! > nums[i - 1]!)) up = false;
          if (!(nums[i]! < nums[i - 1]!)) down = false;
        }
        ordered = up || down;
      }
    }
    groupAt.set(g.start, { ...g, ordered });
  }
  // segments: [spaceStart, spaceSize, modelStart, kind]
  const segSpace: number[] = [];
  const segSize: number[] = [];
  const segModel: number[] = [];
  /** 0: copied dims, 1: ordered categorical (rank), 2: unordered categorical (code). */
  const segKind: (0 | 1 | 2)[] = [];
  const groups: InputGroup[] = [];
  const continuous: number[] = [];
  const continuousModel: number[] = [];
  const discrete = new Set<string>();
  let md = 0;
  let identity = true;
  for (let i = 0; i < D; ) {
    const g = groupAt.get(i);
    if (g) {
      segSpace.push(i);
      segSize.push(g.size);
      segModel.push(md);
      segKind.push(g.ordered ? 1 : 2);
      identity = false;
      if (!g.ordered) groups.push({ start: md, size: 1 });
      md += 1;
      i += g.size;
      continue;
    }
    const dim = space.layout[i]!;
    if (dim.kind === 'continuous') {
      continuous.push(i);
      continuousModel.push(md);
    } else if (dim.kind === 'discrete') discrete.add(dim.param);
    segSpace.push(i);
    segSize.push(1);
    segModel.push(md);
    segKind.push(0);
    md += 1;
    i += 1;
  }
  const modelDims = md;
  const kernel: KernelSpec =
    groups.length > 0 ? { kind, d: modelDims, categoricalGroups: groups } : { kind, d: modelDims };
  const toModel = (point: ArrayLike<number>, out?: Float64Array, offset = 0): Float64Array => {
    const o = out ?? new Float64Array(modelDims);
    for (let s = 0; s < segSpace.length; s++) {
      const start = segSpace[s]!;
      const size = segSize[s]!;
      const at = offset + segModel[s]!;
      const kind = segKind[s]!;
      if (kind === 0) {
        for (let j = 0; j < size; j++) o[at + j] = point[start + j]!;
        continue;
      }
      let arg = -1;
      let best = 0;
      for (let j = 0; j < size; j++) {
        const v = point[start + j]!;
        if (v > best) {
          best = v;
          arg = j;
        }
      }
      // An inactive block (all zeros): an ordered one sits in the middle, like inactive numeric
      // dims; an unordered one gets code 0, which no choice has.
      if (kind === 1) o[at] = arg < 0 ? 0.5 : arg / (size - 1);
      else o[at] = arg < 0 ? 0 : (arg + 0.5) / size;
    }
    return o;
  };
  return {
    spaceDims: D,
    modelDims,
    kernel,
    identity,
    continuous: Int32Array.from(continuous),
    continuousModel: Int32Array.from(continuousModel),
    discreteParams: [...discrete],
    categoricalParams: space.categoricalGroups.map((g) => ({
      param: g.param,
      start: g.start,
      size: g.size,
    })),
    toModel,
    manyToModel(points, m) {
      if (identity) return points;
      const out = new Float64Array(m * modelDims);
      for (let r = 0; r < m; r++) toModel(points.subarray(r * D, (r + 1) * D), out, r * modelDims);
      return out;
    },
  };
}

/** A value to maximise over space points, with its gradient along the continuous dims. */
export interface PointObjective {
  /** Value at one space point; `grad` (length D) is filled on the continuous dims only. */
  valueAndGrad(point: Float64Array, grad: Float64Array): number;
  /** Values of m space points (m×D), for scoring neighbours in a local search. */
  values(points: Float64Array, m: number): Float64Array;
}

/** The acquisition of a fitted GP as a {@link PointObjective} (CPU, f64). */
export function acquisitionObjective(
  gp: FittedGP,
  encoding: ModelEncoding,
  acq: AcquisitionSpec,
): PointObjective {
  const mp = new Float64Array(encoding.modelDims);
  return {
    valueAndGrad(point, grad) {
      encoding.toModel(point, mp);
      const p = posteriorWithGradient(gp, mp);
      const a = acquisitionWithGradient(acq, p.mean, p.variance, p.dMean, p.dVariance);
      grad.fill(0);
      for (let j = 0; j < encoding.continuous.length; j++) {
        grad[encoding.continuous[j]!] = a.grad[encoding.continuousModel[j]!]!;
      }
      return a.value;
    },
    values(points, m) {
      const xm = encoding.manyToModel(points, m);
      const post = posterior(gp, xm, m);
      return acquisitionValues(acq, post.mean, post.variance);
    },
  };
}

/**
 * Bounded maximisation of `f` over the continuous dims `free` of a space point, in [0, 1]:
 * projected L-BFGS (memory 6) with a backtracking Armijo line search along the projected path;
 * variables held at a bound by the gradient are frozen for the step. Returns the final value;
 * `x` is updated in place.
 */
export function polishContinuous(
  f: PointObjective,
  x: Float64Array,
  free: Int32Array,
  maxIterations: number,
): number {
  const D = x.length;
  const k = free.length;
  let g = new Float64Array(D);
  let v = f.valueAndGrad(x, g);
  if (k === 0 || !Number.isFinite(v)) return v;
  const memory = 6;
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const dir = new Float64Array(k);
  const alpha = new Float64Array(memory);
  const xNew = new Float64Array(D);
  let gNew = new Float64Array(D);
  for (let it = 0; it < maxIterations; it++) {
    // Minimise h = −f; G = −g. Frozen: at a bound with the descent direction pointing outward.
    let pgMax = 0;
    for (let j = 0; j < k; j++) {
      const i = free[j]!;
      const G = -g[i]!;
      const frozen = (x[i]! <= 0 && G > 0) || (x[i]! >= 1 && G < 0);
      dir[j] = frozen ? 0 : -G;
      if (!frozen) pgMax = Math.max(pgMax, Math.abs(G));
    }
    if (pgMax < 1e-10) break;
    // Two-loop recursion on q = −dir (the projected gradient of h).
    if (sHist.length > 0) {
      const q = dir.map((t) => -t);
      for (let h = sHist.length - 1; h >= 0; h--) {
        const s = sHist[h]!;
        const y = yHist[h]!;
        let sy = 0;
        let sq = 0;
        for (let j = 0; j < k; j++) {
          sy += s[j]! * y[j]!;
          sq += s[j]! * q[j]!;
        }
        const a = sq / sy;
        alpha[h] = a;
        for (let j = 0; j < k; j++) q[j] = q[j]! - a * y[j]!;
      }
      const sL = sHist[sHist.length - 1]!;
      const yL = yHist[yHist.length - 1]!;
      let sy = 0;
      let yy = 0;
      for (let j = 0; j < k; j++) {
        sy += sL[j]! * yL[j]!;
        yy += yL[j]! * yL[j]!;
      }
      const gamma = sy / yy;
      for (let j = 0; j < k; j++) q[j] = q[j]! * gamma;
      for (let h = 0; h < sHist.length; h++) {
        const s = sHist[h]!;
        const y = yHist[h]!;
        let sy2 = 0;
        let yq = 0;
        for (let j = 0; j < k; j++) {
          sy2 += s[j]! * y[j]!;
          yq += y[j]! * q[j]!;
        }
        const b = yq / sy2;
        for (let j = 0; j < k; j++) q[j] = q[j]! + s[j]! * (alpha[h]! - b);
      }
      let descent = 0;
      for (let j = 0; j < k; j++) {
        const i = free[j]!;
        const G = -g[i]!;
        const frozen = (x[i]! <= 0 && G > 0) || (x[i]! >= 1 && G < 0);
        const dj = frozen ? 0 : -q[j]!;
        descent += dj * G;
        q[j] = dj;
      }
      if (descent < 0) dir.set(q);
    }
    // Backtracking along the projected path.
    let maxStep = 0;
    for (let j = 0; j < k; j++) maxStep = Math.max(maxStep, Math.abs(dir[j]!));
    let t = sHist.length === 0 ? Math.min(1, 0.1 / maxStep) : 1;
    let accepted = false;
    let vNew = v;
    for (let ls = 0; ls < 25; ls++) {
      xNew.set(x);
      let decrease = 0;
      for (let j = 0; j < k; j++) {
        const i = free[j]!;
        const xi = Math.min(1, Math.max(0, x[i]! + t * dir[j]!));
        xNew[i] = xi;
        decrease += -g[i]! * (xi - x[i]!);
      }
      vNew = f.valueAndGrad(xNew, gNew);
      // Armijo on h = −f: h(new) ≤ h + c·G·Δx  ⇔  f(new) ≥ f + c·g·Δx.
      if (Number.isFinite(vNew) && -vNew <= -v + 1e-4 * decrease) {
        accepted = true;
        break;
      }
      t *= 0.5;
      if (t * maxStep < 1e-12) break;
    }
    if (!accepted) break;
    const s = new Float64Array(k);
    const y = new Float64Array(k);
    let sy = 0;
    for (let j = 0; j < k; j++) {
      const i = free[j]!;
      s[j] = xNew[i]! - x[i]!;
      y[j] = -gNew[i]! + g[i]!;
      sy += s[j]! * y[j]!;
    }
    if (sy > 1e-14) {
      sHist.push(s);
      yHist.push(y);
      if (sHist.length > memory) {
        sHist.shift();
        yHist.shift();
      }
    }
    const improvement = vNew - v;
    x.set(xNew);
    const tmp = g;
    g = gNew;
    gNew = tmp;
    v = vNew;
    if (improvement <= 1e-10 * (1 + Math.abs(v))) break;
  }
  return v;
}

/**
 * One round of local search over the discrete and categorical parameters of a space point:
 * every neighbouring value of each discrete parameter (± one step) and every other choice of
 * each categorical is scored; the best improving move is taken; repeats up to `rounds` times.
 * Moves that would leave the space (e.g. a condition now needing a missing parameter) are
 * canonicalised through decode → encode. Returns the final value; `x` is updated in place.
 */
export function localSearchDiscrete(
  f: PointObjective,
  space: Space,
  encoding: ModelEncoding,
  x: Float64Array,
  value: number,
  rounds: number,
): number {
  if (encoding.discreteParams.length === 0 && encoding.categoricalParams.length === 0) return value;
  const D = x.length;
  let v = value;
  for (let r = 0; r < rounds; r++) {
    const config = space.decode(x);
    const moves: Float64Array[] = [];
    for (const name of encoding.discreteParams) {
      if (!(name in config)) continue;
      const def = space.param(name);
      if (def.type === 'categorical') continue;
      const step = def.step ?? (def.type === 'int' ? 1 : 0);
      if (!(step > 0)) continue;
      const current = config[name] as number;
      for (const next of [current - step, current + step]) {
        if (next < def.low - 1e-9 || next > def.high + 1e-9) continue;
        const moved = neighbour(space, config, name, next);
        if (moved) moves.push(moved);
      }
    }
    for (const g of encoding.categoricalParams) {
      if (!(g.param in config)) continue;
      const def = space.param(g.param);
      if (def.type !== 'categorical') continue;
      for (const choice of def.choices) {
        if (choice === config[g.param]) continue;
        let moved = neighbour(space, config, g.param, choice);
        if (!moved) {
          const p = Float64Array.from(x);
          for (let j = 0; j < g.size; j++) p[g.start + j] = 0;
          p[g.start + def.choices.indexOf(choice)] = 1;
          moved = space.encode(space.decode(p));
        }
        moves.push(moved);
      }
    }
    if (moves.length === 0) return v;
    const block = new Float64Array(moves.length * D);
    moves.forEach((p, i) => {
      block.set(p, i * D);
    });
    const scores = f.values(block, moves.length);
    let best = -1;
    let bestValue = v;
    for (let i = 0; i < moves.length; i++) {
      if (scores[i]! > bestValue) {
        bestValue = scores[i]!;
        best = i;
      }
    }
    if (best < 0) return v;
    x.set(moves[best]!);
    v = bestValue;
  }
  return v;
}

function neighbour(
  space: Space,
  config: Config,
  name: string,
  value: number | string | boolean,
): Float64Array | undefined {
  try {
    return space.encode({ ...config, [name]: value });
  } catch {
    return undefined;
  }
}

/** Options of {@link maximizeOverSpace}; every field has a default. */
export interface AcqOptimizerOptions {
  /** Quasi-random candidates scored in one pass. Default max(2048, 256·d), d the model's dims (one per parameter but for numeric ones spread over several dims). */
  candidates?: number;
  /** Candidates drawn around the incumbents (trust-region style perturbations). Default max(512, 64·d). */
  localCandidates?: number;
  /** Best candidates polished by gradient / local search. Default 8. */
  restarts?: number;
  /** Iteration cap of each polish. Default 40. */
  polishIterations?: number;
  /** Finite spaces up to this size are scored exhaustively over their untried configurations. Default 20000. */
  maxEnumerate?: number;
}

/** A configuration chosen by acquisition optimisation. */
export interface Proposal {
  config: Config;
  /** Canonical space point of `config` (length D). */
  point: Float64Array;
  value: number;
}

/** Everything {@link maximizeOverSpace} needs for one pick. */
export interface MaximizeArgs {
  space: Space;
  encoding: ModelEncoding;
  gp: FittedGP;
  backend: SurrogateBackend;
  acquisition: AcquisitionSpec;
  /** CPU objective for polishing (the same acquisition, with gradients). */
  objective: PointObjective;
  /**
   * A cheaper stand-in for `objective` around a start (space point), for large studies: each
   * start is polished on it, then judged by `objective` — kept only where that is better than the
   * start's own value.
   */
  localObjective?: (start: Float64Array) => PointObjective;
  random: AcqRandom;
  /** Seed for the quasi-random pool (vary it per call). */
  poolSeed: number;
  /** Space points of the best configurations so far, best first (centres of local candidates). */
  incumbents: readonly Float64Array[];
  /** Lengthscales per model dim (ARD), used to shape local perturbations; may be empty. */
  lengthscales?: Float64Array;
  /** Keys (`space.key`) of configurations evaluated or pending; never proposed while others remain. */
  exclude: ReadonlySet<string>;
  options?: AcqOptimizerOptions;
  /** The finite space's configurations, encoded once (from {@link enumerateSpace}). */
  finite?: EnumeratedSpace;
}

/** A finite space's configurations with their keys and space points (m×D). */
export interface EnumeratedSpace {
  configs: Config[];
  keys: string[];
  points: Float64Array;
  model: Float64Array;
}

/** Enumerates a finite space once, or returns undefined when it is infinite or larger than `max`. */
export function enumerateSpace(
  space: Space,
  encoding: ModelEncoding,
  max: number,
): EnumeratedSpace | undefined {
  const size = space.size();
  if (!Number.isFinite(size) || size > max) return undefined;
  const configs = space.enumerate();
  const D = space.dims;
  const points = new Float64Array(configs.length * D);
  configs.forEach((c, i) => {
    points.set(space.encode(c), i * D);
  });
  const model = encoding.identity ? points : encoding.manyToModel(points, configs.length);
  return { configs, keys: configs.map((c) => space.key(c)), points, model };
}

/**
 * Maximises the acquisition over the space and returns the best configuration not in
 * `exclude`; only when every configuration is excluded does it return an excluded one (the best).
 *
 * Finite spaces (given `finite`): every untried configuration is scored exactly. Otherwise: a
 * scrambled Sobol pool plus perturbations of the incumbents are scored on the backend; the best
 * `restarts` become starts, each polished by projected L-BFGS on its continuous dims and by a
 * local search over its discrete and categorical parameters.
 */
export async function maximizeOverSpace(args: MaximizeArgs): Promise<Proposal> {
  const { space, encoding, gp, backend, acquisition, exclude } = args;
  const D = space.dims;
  const o = args.options ?? {};
  if (args.finite) {
    const f = args.finite;
    const idx: number[] = [];
    for (let i = 0; i < f.keys.length; i++) if (!exclude.has(f.keys[i]!)) idx.push(i);
    // Every configuration tried: repeating the most promising one is all that is left.
    if (idx.length === 0) for (let i = 0; i < f.keys.length; i++) idx.push(i);
    const md = encoding.modelDims;
    const xc = new Float64Array(idx.length * md);
    idx.forEach((src, i) => {
      xc.set(f.model.subarray(src * md, (src + 1) * md), i * md);
    });
    const top = await backend.scoreTopK(gp, xc, idx.length, acquisition, 1);
    const pick = idx[top.index[0]!]!;
    return {
      config: f.configs[pick]!,
      point: f.points.slice(pick * D, (pick + 1) * D),
      value: top.value[0]!,
    };
  }
  const md = encoding.modelDims;
  const nPool = o.candidates ?? Math.max(2048, 256 * md);
  const nLocal = args.incumbents.length > 0 ? (o.localCandidates ?? Math.max(512, 64 * md)) : 0;
  const restarts = o.restarts ?? 8;
  const iterations = o.polishIterations ?? 40;
  const m = nPool + nLocal;
  const pts = new Float64Array(m * D);
  pts.set(sobolPool(space, nPool, args.poolSeed));
  fillLocal(pts.subarray(nPool * D), nLocal, args, D);
  const canonical = encoding.continuous.length === D && !space.conditional;
  if (!canonical) {
    for (let r = 0; r < m; r++) {
      const row = pts.subarray(r * D, (r + 1) * D);
      row.set(space.encode(space.decode(row)));
    }
  }
  const xm = encoding.manyToModel(pts, m);
  const k = Math.min(m, restarts * 4);
  const top = await backend.scoreTopK(gp, xm, m, acquisition, k);
  const free = encoding.continuous;
  const polished: Proposal[] = [];
  const seen = new Set<string>();
  for (let r = 0; r < top.index.length && polished.length < restarts; r++) {
    const i = top.index[r]!;
    const x = pts.slice(i * D, (i + 1) * D);
    const startKey = space.key(space.decode(x));
    if (seen.has(startKey)) continue;
    seen.add(startKey);
    const f = args.localObjective?.(x) ?? args.objective;
    const start = f === args.objective ? undefined : Float64Array.from(x);
    let v = polishContinuous(f, x, free, iterations);
    v = localSearchDiscrete(f, space, encoding, x, v, 3);
    if (
      free.length > 0 &&
      (encoding.discreteParams.length > 0 || encoding.categoricalParams.length > 0)
    ) {
      v = polishContinuous(f, x, free, iterations);
    }
    if (start) {
      const both = new Float64Array(2 * D);
      both.set(start);
      both.set(x, D);
      const [before, after] = args.objective.values(both, 2);
      if (after! >= before!) v = after!;
      else {
        x.set(start);
        v = before!;
      }
    }
    const config = space.decode(x);
    polished.push({ config, point: canonical ? x : space.encode(config), value: v });
  }
  polished.sort((a, b) => b.value - a.value);
  for (const p of polished) if (!exclude.has(space.key(p.config))) return p;
  for (let r = 0; r < top.index.length; r++) {
    const i = top.index[r]!;
    const config = space.decode(pts.subarray(i * D, (i + 1) * D));
    if (!exclude.has(space.key(config)))
      return { config, point: space.encode(config), value: top.value[r]! };
  }
  for (let tries = 0; tries < 200; tries++) {
    const config = space.sample(args.random);
    if (!exclude.has(space.key(config)))
      return { config, point: space.encode(config), value: Number.NaN };
  }
  return polished[0]!;
}

/**
 * `count` quasi-random points of the space's encoding (count×D, row-major): a scrambled Sobol
 * sequence over its D dims; when D is beyond the {@link SOBOL_MAX_DIMS} Sobol supports (a
 * categorical with thousands of choices), one coordinate per parameter instead (see
 * {@link parameterwiseSobol}), and beyond that many parameters seeded uniform draws.
 */
export function sobolPool(space: Space, count: number, seed: number): Float64Array {
  const D = space.dims;
  if (D <= SOBOL_MAX_DIMS) {
    return createSobol(D, { scramble: true, seed }).nextBatch(count) as Float64Array;
  }
  const map = parameterwiseSobol(space);
  const out = new Float64Array(count * D);
  const u = new Float64Array(map.dims);
  const sequence =
    map.dims <= SOBOL_MAX_DIMS ? createSobol(map.dims, { scramble: true, seed }) : undefined;
  const random = mulberry32(seed);
  for (let r = 0; r < count; r++) {
    if (sequence) u.set(sequence.next());
    else for (let j = 0; j < u.length; j++) u[j] = random();
    out.set(map.toEncoded(u), r * D);
  }
  return out;
}

/**
 * Perturbations of the incumbents (TuRBO-style): each candidate copies an incumbent (the best
 * with probability ½, else one of the others), perturbs a random subset of dims (each with
 * probability min(1, 20/D), at least one) by Gaussian steps whose scale is log-uniform in
 * [1e-3, 0.3] times the dim's relative lengthscale, clipped to the cube.
 */
function fillLocal(out: Float64Array, count: number, args: MaximizeArgs, D: number): void {
  if (count === 0) return;
  const { incumbents, random, encoding } = args;
  const rel = new Float64Array(D).fill(1);
  const ls = args.lengthscales;
  if (ls && encoding.identity && !encoding.kernel.categoricalGroups && ls.length === D) {
    // Every dim has its own ARD lengthscale: shape steps by it relative to the geometric mean.
    let logMean = 0;
    for (let i = 0; i < D; i++) logMean += Math.log(ls[i]!);
    logMean /= D;
    for (let i = 0; i < D; i++) {
      rel[i] = Math.min(4, Math.max(0.25, Math.exp(Math.log(ls[i]!) - logMean)));
    }
  }
  const p = Math.min(1, 20 / D);
  for (let r = 0; r < count; r++) {
    const centre =
      incumbents.length === 1 || random.random() < 0.5
        ? incumbents[0]!
        : incumbents[1 + Math.floor(random.random() * (incumbents.length - 1))]!;
    const row = out.subarray(r * D, (r + 1) * D);
    row.set(centre);
    const scale = Math.exp(Math.log(1e-3) + random.random() * (Math.log(0.3) - Math.log(1e-3)));
    let moved = false;
    const forced = Math.floor(random.random() * D);
    for (let i = 0; i < D; i++) {
      if (i !== forced && random.random() >= p) continue;
      moved = true;
      row[i] = Math.min(1, Math.max(0, row[i]! + scale * rel[i]! * random.normal()));
    }
    if (!moved) row[forced] = random.random();
  }
}
