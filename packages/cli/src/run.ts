import type { FrozenTrial, LoadResult, Objective, Pruner, Storage, Study } from '@webtune/core';
import { createStudy } from '@webtune/core';
import { errorMessage } from './errors.js';
import { createTrialGuard } from './guard.js';
import { isolatedObjective } from './isolate.js';
import { createStrategy, type StrategyFlags } from './strategies.js';
import { loadStudyModule, type StudyModule } from './studyModule.js';

/** Options of {@link runStudyModule}; every field is optional. */
export interface RunOptions {
  /** Strategy name (see `STRATEGIES`). Default 'sobol'. */
  strategy?: string;
  /** Options for the strategy (`resolution`, `shuffle`, and the model options of bayesian/gradient). */
  strategyOptions?: StrategyFlags;
  /**
   * Trials to run in this call (on a storage that holds a study, new trials on top of the resumed
   * ones, as Optuna's n_trials). Default: the module's `trials` export, else 100 — except for
   * strategies that end by themselves (exhaustive, grid), which then run to the end.
   */
  trials?: number;
  /** The study's seed. Default 0. */
  seed?: number;
  /** The study's name in a storage holding many (`postgresStorage`), as Optuna's study_name. */
  studyName?: string;
  /**
   * The budget (`trials`, else the module's, else 100) is for the whole study, not this run: stop
   * once the study holds that many trials, every worker's counted (Optuna's MaxTrialsCallback,
   * exact: the storage checks it as it numbers each trial). On a concurrent storage the run then
   * waits, polling every `pollMs`, until no other worker runs a trial, failing stale ones and
   * running their retries, so the study ends whole. Default false.
   */
  wholeStudy?: boolean;
  /** How often a `wholeStudy` run on a concurrent storage looks at the other workers' trials. Default 2,000 ms. */
  pollMs?: number;
  /** Trials in flight at once. Default 1. */
  concurrency?: number;
  /** Stop starting trials after this many milliseconds and abort the running ones. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * Where the trials live, e.g. `fileStorage('study.jsonl')` from `@webtune/core/node`. A study
   * already in it is resumed (same direction and space, else it throws before any trial). Default:
   * in memory.
   */
  storage?: Storage;
  /**
   * On resume, replay the strategy over the stored trials (core's `replayStrategy`): one discarded
   * suggestion per stored trial, so seeded random streams continue exactly as in an uninterrupted
   * run; for bayesian and gradient that is one GP fit per stored trial (seconds at ~100 trials),
   * which nothing interrupts. false starts at once, with the strategy's stream starting over.
   * Default true.
   */
  replayStrategy?: boolean;
  /**
   * The pruner (`trial.shouldPrune()`). Default: the module's `pruner` export, else none. Given
   * while the module exports one, it wins, and `onWarning` says so.
   */
  pruner?: Pruner;
  /** Directory the module path is resolved against. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Called once the study is created and its storage loaded, before the first trial (e.g. to start
   * a progress bar); `resumed` is what the storage held.
   */
  onStart?: (
    study: Study,
    module: StudyModule,
    budget: number | undefined,
    resumed: LoadResult,
  ) => void;
  /** Called after each trial finishes (the progress bar's hook). */
  onTrialComplete?: (trial: FrozenTrial, study: Study) => void;
  /**
   * Run each trial in a worker thread that can be terminated (see `isolatedObjective`): a trial
   * still running `graceMs` after its `trial.signal` aborted, or when `force` aborts, is ended and
   * failed. Default false: trials run in this thread.
   */
  isolate?: boolean;
  /**
   * Aborting it ends every running trial at once, failing it with the reason (a second Ctrl-C):
   * with `isolate` their workers are terminated; without, their objectives are abandoned (left
   * to run on, their outcome ignored).
   */
  force?: AbortSignal;
  /**
   * Receives what the run should say but is no error: a replaced pruner, a pruner with nothing to
   * judge, an error an objective raised after its trial had finished or outside any trial.
   * Default `console.warn`.
   */
  onWarning?: (message: string) => void;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((done) => {
    const timer = setTimeout(finish, ms);
    function finish() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      done();
    }
    signal?.addEventListener('abort', finish, { once: true });
  });
}

/** The default strategy of `webtune run`. */
export const DEFAULT_STRATEGY = 'sobol';
/** The default budget when neither the options nor the module give one. */
export const DEFAULT_TRIALS = 100;

/**
 * Loads a study module (see `loadStudyModule`), builds the strategy, runs `study.optimize` and
 * resolves to the finished study. Everything `webtune run` does except printing and writing files.
 * While it runs, process listeners ('uncaughtException', 'unhandledRejection', 'beforeExit') turn
 * an error the objective raises outside its promise, or a promise that can never settle, into the
 * failure of its trial (see `createTrialGuard`); they are removed when it returns.
 */
export async function runStudyModule(path: string, options: RunOptions = {}): Promise<Study> {
  const strategyName = options.strategy ?? DEFAULT_STRATEGY;
  // Build the strategy first: bad options fail before the module (and any work in it) loads.
  const strategy = createStrategy(strategyName, options.strategyOptions ?? {});
  const module = await loadStudyModule(path, options.cwd);
  const budget = options.trials ?? module.trials ?? (strategy.finite ? undefined : DEFAULT_TRIALS);
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  if (options.pruner !== undefined && module.pruner !== undefined) {
    warn(
      `the pruner given (${options.pruner.name}) replaces the study module's pruner export (${module.pruner.name})`,
    );
  }
  const pruner = options.pruner ?? module.pruner;
  const study = createStudy({
    space: module.space,
    strategy,
    direction: module.direction,
    seed: options.seed ?? 0,
    ...(options.studyName === undefined ? {} : { studyName: options.studyName }),
    ...(options.storage === undefined ? {} : { storage: options.storage }),
    ...(options.replayStrategy === undefined ? {} : { replayStrategy: options.replayStrategy }),
    ...(pruner === undefined ? {} : { pruner }),
    onWarning: warn,
  });
  // Errors an objective raises outside its promise, and promises that can never settle, fail
  // their trial instead of ending the process (guard.ts).
  const guard = createTrialGuard(warn);
  const isolated = options.isolate
    ? isolatedObjective(module.path, {
        onWarning: warn,
        ...(options.force === undefined ? {} : { force: options.force }),
      })
    : undefined;
  const inner = isolated?.objective ?? module.objective;
  const objective: Objective = (params, trial) =>
    guard.run(trial.number, () => inner(params, trial));
  const abandon = () =>
    guard.abandon(
      `abandoned: ${errorMessage(options.force?.reason)} ended the run while the objective still ran (it ignores trial.signal; --isolate terminates such trials)`,
    );
  if (isolated === undefined) options.force?.addEventListener('abort', abandon, { once: true });
  try {
    const studyTrials = options.wholeStudy ? (budget ?? DEFAULT_TRIALS) : undefined;
    options.onStart?.(study, module, studyTrials ?? budget, await study.load());
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    const run = () =>
      study.optimize(objective, {
        ...(studyTrials === undefined
          ? budget === undefined
            ? {}
            : { trials: budget }
          : { studyTrials }),
        concurrency: options.concurrency ?? 1,
        ...(deadline === undefined ? {} : { timeoutMs: Math.max(0, deadline - Date.now()) }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        ...(options.onTrialComplete === undefined
          ? {}
          : { onTrialComplete: (trial: FrozenTrial) => options.onTrialComplete!(trial, study) }),
      });
    let result = await run();
    // The budget is spent, but another worker's trial may still go stale and need its retry.
    while (
      studyTrials !== undefined &&
      study.storage.concurrent &&
      result.reason === 'trials' &&
      study.counts.running > 0 &&
      !options.signal?.aborted
    ) {
      await pause(options.pollMs ?? 2000, options.signal);
      result = await run();
    }
  } finally {
    options.force?.removeEventListener('abort', abandon);
    guard.close();
    strategy.destroy?.();
    await isolated?.destroy();
  }
  if (pruner !== undefined && pruner.name !== 'none' && study.counts.complete > 0) {
    if (study.trials.every((t) => t.intermediate.length === 0)) {
      warn(
        `the ${pruner.name} pruner had nothing to judge: no trial reported an intermediate value (the objective must call trial.report(step, value), then trial.shouldPrune())`,
      );
    }
  }
  return study;
}
