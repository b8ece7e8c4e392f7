import {
  createStudy,
  type FrozenTrial,
  medianPruner,
  memoryStorage,
  noPruner,
  type Storage,
  type Strategy,
} from '@webtune/core';
import { createSurrogateBackend, type SurrogateBackend } from '@webtune/gp';
import {
  type BackendName,
  chooseBackend,
  createObjective,
  type Dataset,
  getWebGPUDevice,
} from '@webtune/harness';
import { bayesian, grid, random, sobol } from '@webtune/strategies';
import { findExample } from './examples.js';
import type { RunSettings } from './settings.js';
import {
  bestOf,
  type GpReport,
  initialState,
  type RunState,
  type TrialRow,
  toRow,
} from './state.js';

/** `inner`, reporting every trial change (so the table is live). */
function watchedStorage(inner: Storage, onChange: (trial: FrozenTrial) => void): Storage {
  return {
    ...(inner.openStudy ? { openStudy: (meta) => inner.openStudy!(meta) } : {}),
    async createTrial(trial, options) {
      const created = await inner.createTrial(trial, options);
      if (created !== undefined) onChange(created);
      return created;
    },
    async updateTrial(number, change) {
      await inner.updateTrial(number, change);
      const [changed] = await inner.getTrials({ numbers: [number] });
      if (changed !== undefined) onChange(changed);
    },
    getTrials: (options) => inner.getTrials(options),
  };
}

/** Counts and times the backend's calls into `report`. */
function instrument(backend: SurrogateBackend, report: GpReport, changed: () => void) {
  const timed = async <T>(work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      report.calls++;
      report.ms += performance.now() - t0;
      changed();
    }
  };
  const wrapped: SurrogateBackend = {
    name: backend.name,
    description: backend.description,
    predict: (gp, xc, m) => timed(() => backend.predict(gp, xc, m)),
    scoreTopK: (gp, xc, m, acq, k) => timed(() => backend.scoreTopK(gp, xc, m, acq, k)),
    destroy: () => backend.destroy(),
  };
  return wrapped;
}

export interface RunOptions {
  /** The digits, loaded once by the caller. */
  dataset: Dataset;
  signal?: AbortSignal;
  /**
   * Where the trials go (default `memoryStorage()`); a storage that already holds the study
   * resumes it, and `settings.trials` counts the stored trials too.
   */
  storage?: Storage;
  /** The storage's study name, for `state.study`. */
  studyName?: string;
  /** Storage warnings collected by the caller, for `state.study`. */
  warnings?: string[];
  /** Called after every change of `state` (trial created, epoch reported, trial finished …). */
  onChange: (state: RunState) => void;
}

/**
 * Runs one study until it holds `settings.trials` trials (stored ones included): picks the TF.js backend, opens the GP backend for a bayesian search (on TF.js's
 * GPUDevice when TF.js trains on WebGPU), and trains one MLP per trial. Mutates and reports
 * `state`; resolves when the study stops (trials done, space exhausted or aborted). Setup errors
 * set `state.state = 'error'` and `state.error`; a failing trial fails alone.
 */
export async function runStudy(
  settings: RunSettings,
  state: RunState,
  options: RunOptions,
): Promise<void> {
  const changed = () => options.onChange(state);
  // A fresh run state, keeping what outlives a run: the adapter found and the stored studies.
  const { adapter, stored } = state;
  Object.assign(state, initialState(), {
    state: 'running',
    settings,
    adapter,
    stored,
    phase: `starting TF.js's ${settings.tfBackend} backend`,
  } satisfies Partial<RunState>);
  changed();
  let strategy: Strategy | undefined;
  let gpBackend: SurrogateBackend | undefined;
  try {
    const example = findExample(settings.example);
    const choice = await chooseBackend(settings.tfBackend as BackendName);
    state.tfBackend = choice.backend;
    state.tfSkipped = choice.skipped;
    state.phase =
      settings.strategy === 'bayesian' ? 'starting the GP backend' : 'opening the study';
    changed();
    const device = getWebGPUDevice();
    if (settings.strategy === 'bayesian') {
      const raw = await createSurrogateBackend({
        backend: settings.gpBackend,
        ...(device ? { device } : {}),
      });
      const report: GpReport = {
        name: raw.name,
        requested: settings.gpBackend,
        description: raw.description,
        sharedDevice: device !== undefined && raw.name === 'webgpu',
        calls: 0,
        ms: 0,
      };
      state.gp = report;
      gpBackend = instrument(raw, report, changed);
      strategy = bayesian({ surrogateBackend: gpBackend, startupTrials: settings.startupTrials });
    } else {
      strategy = { random, sobol, grid }[settings.strategy]();
    }
    changed();
    const rows = new Map<number, TrialRow>();
    // A GPU backend compiles its shaders during the first epoch: seconds with nothing to show.
    const gpu = state.tfBackend === 'webgpu' || state.tfBackend === 'webgl';
    let warm = false;
    const show = (t: FrozenTrial) => {
      if (t.state === 'running' && !warm) {
        warm = t.intermediate.length > 0;
        state.phase = warm
          ? null
          : gpu
            ? `warming up: compiling ${state.tfBackend} shaders during the first epoch`
            : null;
      }
      rows.set(t.number, toRow(t));
      state.trials = [...rows.values()].sort((a, b) => a.number - b.number);
      state.best = bestOf(state.trials);
    };
    const study = createStudy({
      space: example.space,
      strategy,
      direction: 'maximize',
      seed: settings.seed,
      pruner: settings.pruner === 'median' ? medianPruner() : noPruner(),
      storage: watchedStorage(options.storage ?? memoryStorage(), (t) => {
        show(t);
        changed();
      }),
      // Replaying a bayesian study would refit the GP once per stored trial.
      replayStrategy: settings.strategy !== 'bayesian',
    });
    state.phase = 'opening the study';
    changed();
    const loaded = await study.load();
    for (const t of loaded.trials) show(t);
    state.study = {
      name: options.studyName ?? 'in memory',
      resumed: loaded.trials.length,
      stale: [...loaded.stale],
      warnings: options.warnings ?? [],
    };
    state.phase = null;
    changed();
    const train = createObjective({
      dataset: options.dataset,
      model: example.model,
      metric: 'val_accuracy',
      epochs: settings.epochs,
      seed: settings.seed,
      backend: state.tfBackend as BackendName,
    });
    // TF.js on cpu never yields a macrotask while it trains; yielding before each trial lets a
    // Stop (a message to the worker) and the page's rendering through between trials.
    const objective: typeof train = Object.assign(
      async (params: Parameters<typeof train>[0], trial: Parameters<typeof train>[1]) => {
        await new Promise((resolve) => setTimeout(resolve, 0));
        trial.signal.throwIfAborted();
        return train(params, trial);
      },
      { data: train.data },
    );
    const remaining = settings.trials - loaded.trials.length;
    const result =
      remaining > 0
        ? await study.optimize(objective, {
            trials: remaining,
            ...(options.signal ? { signal: options.signal } : {}),
          })
        : { reason: 'trials' as const };
    state.stopReason = result.reason;
    state.state = 'done';
    state.phase = null;
  } catch (error) {
    state.state = 'error';
    state.phase = null;
    state.error = error instanceof Error ? error.message : String(error);
  } finally {
    if (strategy?.destroy) strategy.destroy();
    else gpBackend?.destroy();
    changed();
  }
}
