import type { Strategy } from '@webtune/core';
import {
  type BayesianOptions,
  bayesian,
  exhaustive,
  type GradientOptions,
  gradient,
  grid,
  random,
  sobol,
  tpe,
} from '@webtune/strategies';
import { CliError } from './errors.js';

/** Strategy options as they come from the command line (already type-checked). */
export interface StrategyFlags {
  resolution?: number | Record<string, number>;
  shuffle?: boolean;
  retries?: number;
  multivariate?: boolean;
  acquisition?: string;
  kernel?: string;
  candidates?: number;
  startup?: number;
  backend?: string;
}

type Flag = keyof StrategyFlags;

interface StrategyEntry {
  /** Undefined while the strategy is not part of this build. */
  create: ((flags: StrategyFlags) => Strategy) | undefined;
  /** The flags this strategy accepts; any other strategy flag is an error. */
  flags: readonly Flag[];
}

/** Drops undefined entries so options objects satisfy exactOptionalPropertyTypes. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** name → factory. Adding a strategy to the command is one entry here. */
export const STRATEGIES: Readonly<Record<string, StrategyEntry>> = {
  exhaustive: {
    create: (f) => exhaustive(defined({ shuffle: f.shuffle, retries: f.retries })),
    flags: ['shuffle', 'retries'],
  },
  grid: {
    create: (f) =>
      grid(defined({ resolution: f.resolution, shuffle: f.shuffle, retries: f.retries })),
    flags: ['resolution', 'shuffle', 'retries'],
  },
  random: { create: () => random(), flags: [] },
  sobol: { create: () => sobol(), flags: [] },
  bayesian: {
    create: (f) =>
      bayesian(
        defined({
          acquisition: f.acquisition as BayesianOptions['acquisition'],
          kernel: f.kernel as BayesianOptions['kernel'],
          candidates: f.candidates,
          startup: f.startup,
          backend: f.backend as BayesianOptions['backend'],
        }),
      ),
    flags: ['acquisition', 'kernel', 'candidates', 'startup', 'backend'],
  },
  gradient: {
    create: (f) =>
      gradient(
        defined({
          kernel: f.kernel as GradientOptions['kernel'],
          startup: f.startup,
          backend: f.backend as GradientOptions['backend'],
        }),
      ),
    flags: ['kernel', 'startup', 'backend'],
  },
  tpe: {
    create: (f) =>
      tpe(defined({ candidates: f.candidates, startup: f.startup, multivariate: f.multivariate })),
    flags: ['candidates', 'startup', 'multivariate'],
  },
  /** `tpe --multivariate` under one name, so `webtune bench quality` can run it beside `tpe`. */
  'tpe-multivariate': {
    create: (f) => ({
      ...tpe(defined({ candidates: f.candidates, startup: f.startup, multivariate: true })),
      name: 'tpe-multivariate',
    }),
    flags: ['candidates', 'startup'],
  },
};

/** The strategy the command builds for `name` and the given flags; throws a CliError naming the problem. */
export function createStrategy(name: string, flags: StrategyFlags): Strategy {
  const entry = Object.hasOwn(STRATEGIES, name) ? STRATEGIES[name] : undefined;
  if (entry === undefined) {
    throw new CliError(
      `unknown strategy "${name}" (choose one of ${Object.keys(STRATEGIES).join(', ')})`,
      { exitCode: 2 },
    );
  }
  for (const [flag, value] of Object.entries(flags)) {
    if (value !== undefined && !entry.flags.includes(flag as Flag)) {
      throw new CliError(`--${flag} does not apply to --strategy ${name}`, { exitCode: 2 });
    }
  }
  if (entry.create === undefined) {
    throw new CliError(`strategy "${name}" is not available in this build of @webtune/strategies`, {
      exitCode: 2,
    });
  }
  try {
    return entry.create(flags);
  } catch (error) {
    throw new CliError((error as Error).message, { exitCode: 2, cause: error });
  }
}
