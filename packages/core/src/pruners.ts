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
      const nearestPruningStep =
        Math.floor((step - warmupSteps) / intervalSteps) * intervalSteps + warmupSteps;
      const secondLast = steps.reduce((m, s) => (s > m && s !== step ? s : m), -1);
      if (secondLast >= nearestPruningStep) return false;
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
