import type { Direction, FrozenTrial, Pruner } from './types.js';

/** Never prunes. The default pruner of a study. */
export function noPruner(): Pruner {
  return { name: 'none', shouldPrune: () => false };
}

/** Options of {@link percentilePruner} and {@link medianPruner}. */
export interface PercentilePrunerOptions {
  /** No pruning until this many trials have completed. Default 5. */
  startupTrials?: number;
  /** No pruning of a trial before it reports this step. Default 0. */
  warmupSteps?: number;
  /** Prune only at steps warmupSteps + k·intervalSteps (the first report in each interval). Default 1. */
  intervalSteps?: number;
  /** No pruning at a step until this many completed trials reported that step. Default 1. */
  minTrials?: number;
}

function checkCount(pruner: string, name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${pruner}: ${name} (${String(value)}) must be an integer >= ${min}`);
  }
  return value;
}

/** Linear-interpolated percentile of `values` (numpy's default), `p` in [0, 100]. */
export function percentile(values: readonly number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return v[lo]! + (v[hi]! - v[lo]!) * (rank - lo);
}

/**
 * Optuna's PercentilePruner: at a pruning step, prunes the trial when its best intermediate value
 * so far (lowest when minimising, highest when maximising) is worse than the `percentile`-th best
 * of the completed trials' values reported at the same step. Only `complete` trials count as the
 * reference (not running, pruned or failed ones).
 */
export function percentilePruner(
  options: PercentilePrunerOptions & { percentile: number },
  name = 'percentile',
): Pruner {
  const p = options.percentile;
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
    throw new RangeError(`${name}Pruner: percentile (${String(p)}) must be in [0, 100]`);
  }
  const label = `${name}Pruner`;
  const startupTrials = checkCount(label, 'startupTrials', options.startupTrials ?? 5, 0);
  const warmupSteps = checkCount(label, 'warmupSteps', options.warmupSteps ?? 0, 0);
  const intervalSteps = checkCount(label, 'intervalSteps', options.intervalSteps ?? 1, 1);
  const minTrials = checkCount(label, 'minTrials', options.minTrials ?? 1, 1);
  return {
    name,
    shouldPrune({ trial, trials, direction }) {
      const completed = trials.filter((t) => t.state === 'complete' && t.number !== trial.number);
      if (completed.length === 0 || completed.length < startupTrials) return false;
      if (trial.intermediate.length === 0) return false;
      const steps = trial.intermediate.map((r) => r.step);
      const step = Math.max(...steps);
      if (step < warmupSteps) return false;
      if (!isFirstInInterval(steps, step, warmupSteps, intervalSteps)) return false;
      const best = bestIntermediate(trial, direction);
      const atStep = completed
        .map((t) => t.intermediate.find((r) => r.step === step)?.value)
        .filter((v): v is number => v !== undefined && !Number.isNaN(v));
      if (atStep.length < minTrials) return false;
      const q = percentile(atStep, direction === 'maximize' ? 100 - p : p);
      return direction === 'maximize' ? best < q : best > q;
    },
  };
}

/** Optuna's rule: `step` is the first report at or after the latest pruning step. */
function isFirstInInterval(
  steps: readonly number[],
  step: number,
  warmupSteps: number,
  intervalSteps: number,
): boolean {
  const nearestPruningStep =
    Math.floor((step - warmupSteps) / intervalSteps) * intervalSteps + warmupSteps;
  const secondLast = steps.reduce((m, s) => (s > m && s !== step ? s : m), -1);
  return secondLast < nearestPruningStep;
}

function bestIntermediate(trial: FrozenTrial, direction: Direction): number {
  const values = trial.intermediate.map((r) => r.value);
  return direction === 'maximize' ? Math.max(...values) : Math.min(...values);
}

/**
 * Optuna's MedianPruner: prunes a trial whose best intermediate value so far is worse than the
 * median of the completed trials' intermediate values at the same step. Defaults: startupTrials 5,
 * warmupSteps 0, intervalSteps 1, minTrials 1.
 */
export function medianPruner(options: PercentilePrunerOptions = {}): Pruner {
  return percentilePruner({ ...options, percentile: 50 }, 'median');
}

/** Options of {@link thresholdPruner}. At least one of `lower`, `upper`. */
export interface ThresholdPrunerOptions {
  /** Prune when the latest intermediate value is below this. */
  lower?: number;
  /** Prune when the latest intermediate value is above this. */
  upper?: number;
  /** Default 0. */
  warmupSteps?: number;
  /** Default 1. */
  intervalSteps?: number;
}

/**
 * Optuna's ThresholdPruner: prunes when the latest intermediate value leaves [lower, upper]
 * (e.g. a loss that diverged), at the same pruning steps as {@link medianPruner}.
 */
export function thresholdPruner(options: ThresholdPrunerOptions): Pruner {
  const lower = options.lower ?? Number.NEGATIVE_INFINITY;
  const upper = options.upper ?? Number.POSITIVE_INFINITY;
  if (options.lower === undefined && options.upper === undefined) {
    throw new RangeError('thresholdPruner: give lower, upper or both');
  }
  for (const [k, v] of [
    ['lower', options.lower],
    ['upper', options.upper],
  ] as const) {
    if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
      throw new RangeError(`thresholdPruner: ${k} (${String(v)}) must be a number`);
    }
  }
  if (lower > upper) {
    throw new RangeError(`thresholdPruner: lower (${lower}) must be <= upper (${upper})`);
  }
  const warmupSteps = checkCount('thresholdPruner', 'warmupSteps', options.warmupSteps ?? 0, 0);
  const intervalSteps = checkCount(
    'thresholdPruner',
    'intervalSteps',
    options.intervalSteps ?? 1,
    1,
  );
  return {
    name: 'threshold',
    shouldPrune({ trial }) {
      if (trial.intermediate.length === 0) return false;
      const steps = trial.intermediate.map((r) => r.step);
      const step = Math.max(...steps);
      if (step < warmupSteps) return false;
      if (!isFirstInInterval(steps, step, warmupSteps, intervalSteps)) return false;
      const latest = trial.intermediate.find((r) => r.step === step)!.value;
      return !(latest >= lower && latest <= upper);
    },
  };
}

/** Options of {@link successiveHalvingPruner}. */
export interface SuccessiveHalvingPrunerOptions {
  /**
   * Steps before the first rung. Default 'auto': max(1, ⌊last step of the longest completed
   * trial / 100⌋), and no pruning until a trial has completed.
   */
  minResource?: number | 'auto';
  /** η: rung k is at step minResource·η^(minEarlyStoppingRate + k); the top 1/η go on. Default 4. */
  reductionFactor?: number;
  /** Default 0. */
  minEarlyStoppingRate?: number;
  /** Prune until a rung has more than this many values (this trial's included). Default 0. */
  bootstrapCount?: number;
}

/**
 * Optuna's SuccessiveHalvingPruner (asynchronous successive halving, ASHA). When a report reaches
 * a rung's step, the trial goes on only if its value is among the best ⌊n/η⌋ (at least 1) of the
 * n values recorded at that rung by all trials, running ones included. A trial's value at a rung
 * is the value it reported at its first step ≥ the rung's step (Optuna stores the value seen when
 * `shouldPrune()` ran then; with a check after every report they agree). Only rungs reached by the
 * latest report are checked, so a trial promoted once is not judged again at that rung.
 */
export function successiveHalvingPruner(options: SuccessiveHalvingPrunerOptions = {}): Pruner {
  const label = 'successiveHalvingPruner';
  const auto = options.minResource === undefined || options.minResource === 'auto';
  const fixedMin = auto ? 0 : checkCount(label, 'minResource', options.minResource, 1);
  const eta = checkCount(label, 'reductionFactor', options.reductionFactor ?? 4, 2);
  const rate = checkCount(label, 'minEarlyStoppingRate', options.minEarlyStoppingRate ?? 0, 0);
  const bootstrap = checkCount(label, 'bootstrapCount', options.bootstrapCount ?? 0, 0);
  const lastStep = (t: FrozenTrial) => t.intermediate.reduce((m, r) => Math.max(r.step, m), -1);
  /** The value reported at the first step ≥ `at`, or undefined. */
  const valueAt = (t: FrozenTrial, at: number): number | undefined => {
    let best: { step: number; value: number } | undefined;
    for (const r of t.intermediate) if (r.step >= at && (!best || r.step < best.step)) best = r;
    return best?.value;
  };
  return {
    name: 'successiveHalving',
    shouldPrune({ trial, trials, direction }) {
      if (trial.intermediate.length === 0) return false;
      let minResource = fixedMin;
      if (auto) {
        const done = trials.filter((t) => t.state === 'complete' && t.intermediate.length > 0);
        if (done.length === 0) return false;
        minResource = Math.max(1, Math.floor(Math.max(...done.map(lastStep)) / 100));
      }
      const steps = trial.intermediate.map((r) => r.step);
      const step = Math.max(...steps);
      const previous = steps.reduce((m, s) => (s > m && s !== step ? s : m), -1);
      for (let rung = 0; ; rung++) {
        const rungStep = minResource * eta ** (rate + rung);
        if (rungStep > step) return false;
        if (rungStep <= previous) continue;
        const value = valueAt(trial, rungStep)!;
        const competing = trials
          .filter((t) => t.number !== trial.number)
          .map((t) => valueAt(t, rungStep))
          .filter((v): v is number => v !== undefined);
        competing.push(value);
        if (competing.length <= bootstrap) return true;
        competing.sort((a, b) => a - b);
        const k = Math.max(0, Math.floor(competing.length / eta) - 1);
        const promotable =
          direction === 'maximize'
            ? value >= competing[competing.length - 1 - k]!
            : value <= competing[k]!;
        if (!promotable) return true;
      }
    },
  };
}

/** Options of {@link hyperbandPruner}. */
export interface HyperbandPrunerOptions {
  /** Steps before a bracket's first rung (Optuna's min_resource). Default 1. */
  minResource?: number;
  /**
   * The step count of a full trial (Optuna's max_resource). Default 'auto': the last step of the
   * longest completed trial + 1, and no pruning until a trial has completed.
   */
  maxResource?: number | 'auto';
  /** η of every bracket's successive halving. Default 3. */
  reductionFactor?: number;
  /** As {@link SuccessiveHalvingPrunerOptions.bootstrapCount}. Default 0. */
  bootstrapCount?: number;
}

/** CRC-32 (IEEE, as zlib and Python's binascii.crc32) of a string's UTF-8 bytes. */
export function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of new TextEncoder().encode(text)) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * Optuna's HyperbandPruner: several {@link successiveHalvingPruner} brackets that differ in how
 * early they start pruning. With R = maxResource / minResource and η = reductionFactor there are
 * ⌊log_η R⌋ + 1 brackets; bracket s prunes from step minResource·η^s on (its
 * minEarlyStoppingRate is s), so bracket 0 stops trials earliest and the last barely prunes.
 * Each trial belongs to one bracket, chosen by a hash of the study's seed and the trial's number
 * (crc32 of `${seed}_${number}`, as Optuna hashes `${study_name}_${number}`), with bracket s
 * taking a share ⌈B·η^(B−1−s)/(B−s)⌉ of the trials for B brackets; and a bracket compares a
 * trial only with the trials of the same bracket. The brackets are set up once, when the first
 * trial asks after maxResource is known (at once when it is given).
 */
export function hyperbandPruner(options: HyperbandPrunerOptions = {}): Pruner {
  const label = 'hyperbandPruner';
  const minResource = checkCount(label, 'minResource', options.minResource ?? 1, 1);
  const auto = options.maxResource === undefined || options.maxResource === 'auto';
  const fixedMax = auto ? 0 : checkCount(label, 'maxResource', options.maxResource, 1);
  if (!auto && fixedMax < minResource) {
    throw new RangeError(
      `${label}: maxResource (${fixedMax}) must be >= minResource (${minResource})`,
    );
  }
  const eta = checkCount(label, 'reductionFactor', options.reductionFactor ?? 3, 2);
  const bootstrapCount = checkCount(label, 'bootstrapCount', options.bootstrapCount ?? 0, 0);
  let brackets: { pruner: Pruner; budget: number }[] | undefined;
  let total = 0;
  const setUp = (maxResource: number) => {
    const count = Math.floor(Math.log(maxResource / minResource) / Math.log(eta)) + 1;
    brackets = Array.from({ length: count }, (_, id) => {
      const s = count - 1 - id;
      const budget = Math.ceil((count * eta ** s) / (s + 1));
      total += budget;
      const pruner = successiveHalvingPruner({
        minResource,
        reductionFactor: eta,
        minEarlyStoppingRate: id,
        bootstrapCount,
      });
      return { pruner, budget };
    });
  };
  if (!auto) setUp(fixedMax);
  /** Bracket by trial number, for `cachedSeed`. */
  const cache = new Map<number, number>();
  let cachedSeed: number | undefined;
  const bracketOf = (seed: number, number: number): number => {
    if (seed !== cachedSeed) {
      cache.clear();
      cachedSeed = seed;
    }
    const known = cache.get(number);
    if (known !== undefined) return known;
    const id = pick(crc32(`${seed}_${number}`) % total);
    cache.set(number, id);
    return id;
  };
  const pick = (hash: number): number => {
    let n = hash;
    for (const [id, { budget }] of brackets!.entries()) {
      n -= budget;
      if (n < 0) return id;
    }
    return brackets!.length - 1;
  };
  return {
    name: 'hyperband',
    shouldPrune({ trial, trials, direction, seed = 0 }) {
      if (brackets === undefined) {
        let last = -1;
        for (const t of trials) {
          if (t.state !== 'complete') continue;
          for (const r of t.intermediate) last = Math.max(last, r.step);
        }
        if (last < 0) return false;
        setUp(Math.max(last + 1, minResource));
      }
      const id = bracketOf(seed, trial.number);
      const own = trials.filter((t) => bracketOf(seed, t.number) === id);
      return brackets![id]!.pruner.shouldPrune({ trial, trials: own, direction, seed });
    },
  };
}
