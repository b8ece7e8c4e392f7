import {
  hyperbandPruner,
  medianPruner,
  noPruner,
  type Pruner,
  percentilePruner,
  successiveHalvingPruner,
  thresholdPruner,
} from '@webtune/core';
import type { Command } from 'commander';
import { CliError } from './errors.js';
import { parseInteger, parseNumber } from './parse.js';

/** The pruner options as commander hands them over (strings), named after Optuna's arguments. */
export interface PrunerFlags {
  pruner?: string;
  nStartupTrials?: string;
  nWarmupSteps?: string;
  intervalSteps?: string;
  nMinTrials?: string;
  percentile?: string;
  lower?: string;
  upper?: string;
  minResource?: string;
  maxResource?: string;
  reductionFactor?: string;
  minEarlyStoppingRate?: string;
  bootstrapCount?: string;
}

type Option = Exclude<keyof PrunerFlags, 'pruner'>;

/** Each option: its flag, what it means, its default. */
const OPTIONS: Readonly<Record<Option, { flag: string; help: string }>> = {
  nStartupTrials: {
    flag: '--n-startup-trials <n>',
    help: 'median, percentile: no pruning until n trials completed (default 5)',
  },
  nWarmupSteps: {
    flag: '--n-warmup-steps <n>',
    help: 'median, percentile, threshold: no pruning before step n (default 0)',
  },
  intervalSteps: {
    flag: '--interval-steps <n>',
    help: 'median, percentile, threshold: judge every n steps (default 1)',
  },
  nMinTrials: {
    flag: '--n-min-trials <n>',
    help: 'median, percentile: judge a step once n completed trials reported it (default 1)',
  },
  percentile: {
    flag: '--percentile <p>',
    help: 'percentile: prune below the p-th percentile, 0-100 (required)',
  },
  lower: { flag: '--lower <x>', help: 'threshold: prune when the latest value is below x' },
  upper: { flag: '--upper <x>', help: 'threshold: prune when the latest value is above x' },
  minResource: {
    flag: '--min-resource <n|auto>',
    help: 'successive-halving (default auto), hyperband (default 1): steps before the first rung',
  },
  maxResource: {
    flag: '--max-resource <n|auto>',
    help: "hyperband: a full trial's steps (default auto: the longest completed trial's)",
  },
  reductionFactor: {
    flag: '--reduction-factor <n>',
    help: 'successive-halving (default 4), hyperband (default 3): the best 1/n go on at each rung',
  },
  minEarlyStoppingRate: {
    flag: '--min-early-stopping-rate <n>',
    help: 'successive-halving: the first rung is at min-resource·reduction-factor^n (default 0)',
  },
  bootstrapCount: {
    flag: '--bootstrap-count <n>',
    help: 'successive-halving, hyperband: prune until a rung holds more than n values (default 0)',
  },
};

/** The pruners of `--pruner`, the options each takes, and how to build it (Optuna's defaults). */
const PRUNERS: Readonly<Record<string, { options: readonly Option[]; create(f: Values): Pruner }>> =
  {
    none: { options: [], create: () => noPruner() },
    median: {
      options: ['nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials'],
      create: (f) => medianPruner(percentileOptions(f)),
    },
    percentile: {
      options: ['percentile', 'nStartupTrials', 'nWarmupSteps', 'intervalSteps', 'nMinTrials'],
      create: (f) => {
        if (f.percentile === undefined) {
          throw usage('--pruner percentile needs --percentile <p> (0-100)');
        }
        return percentilePruner({ ...percentileOptions(f), percentile: f.percentile });
      },
    },
    threshold: {
      options: ['lower', 'upper', 'nWarmupSteps', 'intervalSteps'],
      create: (f) => {
        if (f.lower === undefined && f.upper === undefined) {
          throw usage('--pruner threshold needs --lower <x>, --upper <x> or both');
        }
        if (f.lower !== undefined && f.upper !== undefined && f.lower > f.upper) {
          throw usage(`--lower (${f.lower}) must be ≤ --upper (${f.upper})`);
        }
        return thresholdPruner(
          defined({
            lower: f.lower,
            upper: f.upper,
            warmupSteps: f.nWarmupSteps,
            intervalSteps: f.intervalSteps,
          }),
        );
      },
    },
    'successive-halving': {
      options: ['minResource', 'reductionFactor', 'minEarlyStoppingRate', 'bootstrapCount'],
      create: (f) =>
        successiveHalvingPruner(
          defined({
            minResource: f.minResource,
            reductionFactor: f.reductionFactor,
            minEarlyStoppingRate: f.minEarlyStoppingRate,
            bootstrapCount: f.bootstrapCount,
          }),
        ),
    },
    hyperband: {
      options: ['minResource', 'maxResource', 'reductionFactor', 'bootstrapCount'],
      create: (f) => {
        if (f.minResource === 'auto') {
          throw usage('--min-resource auto does not apply to --pruner hyperband (default 1)');
        }
        if (
          typeof f.maxResource === 'number' &&
          f.maxResource < (typeof f.minResource === 'number' ? f.minResource : 1)
        ) {
          throw usage(
            `--max-resource (${f.maxResource}) must be ≥ --min-resource (${f.minResource ?? 1})`,
          );
        }
        return hyperbandPruner(
          defined({
            minResource: f.minResource as number | undefined,
            maxResource: f.maxResource,
            reductionFactor: f.reductionFactor,
            bootstrapCount: f.bootstrapCount,
          }),
        );
      },
    },
  };

/** The pruner options, parsed. */
interface Values {
  nStartupTrials?: number;
  nWarmupSteps?: number;
  intervalSteps?: number;
  nMinTrials?: number;
  percentile?: number;
  lower?: number;
  upper?: number;
  minResource?: number | 'auto';
  maxResource?: number | 'auto';
  reductionFactor?: number;
  minEarlyStoppingRate?: number;
  bootstrapCount?: number;
}

const usage = (message: string) => new CliError(message, { exitCode: 2 });

/** Drops undefined entries so options objects satisfy exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function percentileOptions(f: Values) {
  return defined({
    startupTrials: f.nStartupTrials,
    warmupSteps: f.nWarmupSteps,
    intervalSteps: f.intervalSteps,
    minTrials: f.nMinTrials,
  });
}

/** Adds `--pruner <name>` and the pruners' options to `command` (`webtune run`). */
export function addPrunerOptions(command: Command): Command {
  command.option(
    '--pruner <name>',
    `stop unpromising trials early (the objective reports with trial.report and asks trial.shouldPrune): ${Object.keys(PRUNERS).join(', ')}; overrides the module's pruner export (default: that export, else none)`,
  );
  for (const { flag, help } of Object.values(OPTIONS)) command.option(flag, help);
  return command;
}

/** A flag as it appears on the command line, from its commander key (`nStartupTrials` → `--n-startup-trials`). */
const flagOf = (key: Option) => OPTIONS[key].flag.split(' ')[0]!;

function parse(key: Option, raw: string): number | 'auto' {
  const name = flagOf(key).slice(2);
  switch (key) {
    case 'percentile': {
      const p = parseNumber(name, raw);
      if (p < 0 || p > 100) throw usage(`--percentile (${raw}) must be in [0, 100]`);
      return p;
    }
    case 'lower':
    case 'upper':
      return parseNumber(name, raw);
    case 'minResource':
    case 'maxResource':
      return raw === 'auto' ? 'auto' : parseInteger(name, raw, 1);
    case 'reductionFactor':
      return parseInteger(name, raw, 2);
    case 'intervalSteps':
    case 'nMinTrials':
      return parseInteger(name, raw, 1);
    default:
      return parseInteger(name, raw, 0);
  }
}

/**
 * The pruner `--pruner` and its options ask for, or undefined without `--pruner`. Throws a
 * CliError (exit 2) naming the flag and the value: an unknown pruner, an option without
 * `--pruner` or that the pruner does not take, a missing required option, a bad number.
 */
export function createPruner(flags: PrunerFlags): Pruner | undefined {
  const given = (Object.keys(OPTIONS) as Option[]).filter((k) => flags[k] !== undefined);
  if (flags.pruner === undefined) {
    if (given.length > 0) throw usage(`${flagOf(given[0]!)} needs --pruner`);
    return undefined;
  }
  const entry = Object.hasOwn(PRUNERS, flags.pruner) ? PRUNERS[flags.pruner] : undefined;
  if (entry === undefined) {
    throw usage(
      `unknown pruner "${flags.pruner}" (choose one of ${Object.keys(PRUNERS).join(', ')})`,
    );
  }
  const values: Record<string, number | 'auto'> = {};
  for (const key of given) {
    if (!entry.options.includes(key)) {
      throw usage(`${flagOf(key)} does not apply to --pruner ${flags.pruner}`);
    }
    values[key] = parse(key, flags[key]!);
  }
  return entry.create(values as Values);
}
