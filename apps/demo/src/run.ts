import {
  createStudy,
  type FrozenTrial,
  medianPruner,
  memoryStorage,
  noPruner,
  type StopReason,
  type Storage,
  type Strategy,
} from '@webtune/core';
import { createSurrogateBackend, type SurrogateBackend } from '@webtune/gp';
import {
  type BackendName,
  createObjective,
  type Dataset,
  getWebGPUDevice,
  useBackend,
} from '@webtune/harness';
import { bayesian, grid, random, sobol } from '@webtune/strategies';
import { findExample } from './examples.js';
import type { ImportanceReport } from './importances.js';
import type { StoredStudy } from './stored.js';

export const STRATEGIES = ['random', 'sobol', 'grid', 'bayesian'] as const;
export type StrategyName = (typeof STRATEGIES)[number];
export const GP_BACKENDS = ['auto', 'webgpu', 'cpu'] as const;
export type GpBackendName = (typeof GP_BACKENDS)[number];
/** TF.js backends offered in the browser (wasm would need its .wasm files served; not offered). */
export const TF_BACKENDS = ['auto', 'webgpu', 'webgl', 'cpu'] as const;
export type TfBackendName = (typeof TF_BACKENDS)[number];
export const PRUNERS = ['none', 'median'] as const;
export type PrunerName = (typeof PRUNERS)[number];

/** What one run does; {@link parseSettings} builds it from the form's strings. */
export interface RunSettings {
  example: string;
  strategy: StrategyName;
  /** Where the bayesian strategy scores candidates (unused by the others). */
  gpBackend: GpBackendName;
  tfBackend: TfBackendName;
  /** Trials to start, 1 … 500. */
  trials: number;
  /** Maximum epochs per trial, 1 … 100. */
  epochs: number;
  /** 'median': core's medianPruner() (after 5 complete trials, stop a trial whose best so far is below the median at the same epoch). */
  pruner: PrunerName;
  /** Seeds the strategy, the data split, weight init and batch order. */
  seed: number;
  /** Bayesian only: completed trials before the GP takes over (≥ 1). */
  startupTrials: number;
}

export const DEFAULT_SETTINGS: Readonly<RunSettings> = {
  example: 'seed-grid',
  strategy: 'bayesian',
  gpBackend: 'auto',
  tfBackend: 'auto',
  trials: 12,
  epochs: 5,
  pruner: 'none',
  seed: 0,
  startupTrials: 4,
};

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new Error(`${name}: '${value}' must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function integer(name: string, value: string, low: number, high: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < low || n > high) {
    throw new Error(`${name}: '${value}' must be an integer in [${low}, ${high}]`);
  }
  return n;
}

/** Validates raw form values (missing ones take {@link DEFAULT_SETTINGS}); throws naming the field and value. */
export function parseSettings(raw: Partial<Record<keyof RunSettings, string>>): RunSettings {
  const d = DEFAULT_SETTINGS;
  const example = raw.example ?? d.example;
  findExample(example);
  return {
    example,
    strategy: oneOf('strategy', raw.strategy ?? d.strategy, STRATEGIES),
    gpBackend: oneOf('gpBackend', raw.gpBackend ?? d.gpBackend, GP_BACKENDS),
    tfBackend: oneOf('tfBackend', raw.tfBackend ?? d.tfBackend, TF_BACKENDS),
    trials: integer('trials', raw.trials ?? String(d.trials), 1, 500),
    epochs: integer('epochs', raw.epochs ?? String(d.epochs), 1, 100),
    pruner: oneOf('pruner', raw.pruner ?? d.pruner, PRUNERS),
    seed: integer('seed', raw.seed ?? String(d.seed), 0, 2 ** 31 - 1),
    startupTrials: integer('startupTrials', raw.startupTrials ?? String(d.startupTrials), 1, 500),
  };
}

/** One row of the live trial table. Accuracies are fractions in [0, 1]. */
export interface TrialRow {
  number: number;
  params: Record<string, unknown>;
  state: FrozenTrial['state'];
  /**
   * The objective: best validation accuracy over the epochs run (while running: the latest
   * epoch's; pruned: the last reported).
   */
  valAccuracy: number | null;
  /** Test accuracy of the model rolled back to its best epoch. */
  testAccuracy: number | null;
  /** Epochs reported so far. */
  epochs: number;
  durationMs: number | null;
  /** TF.js backend the trial trained on. */
  tfBackend: string | null;
  error: string | null;
}

/** What the page shows about the WebGPU adapter, from `navigator.gpu.requestAdapter()`. */
export interface AdapterReport {
  available: boolean;
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  /** Why there is none, when `available` is false. */
  reason?: string;
}

/** The GP scoring backend of a bayesian run, with how often and how long it scored candidates. */
export interface GpReport {
  name: 'cpu' | 'webgpu';
  requested: GpBackendName;
  description: string;
  /** True when the GP runs on TF.js's own GPUDevice. */
  sharedDevice: boolean;
  /** scoreTopK / predict calls made and their total time in ms. */
  calls: number;
  ms: number;
}

/** The persistent study a run writes to (IndexedDB, one database per settings). */
export interface StudyReport {
  /** Its database name (`studyName(settings)`). */
  name: string;
  /** Trials found stored when the run began (0 for a new study). */
  resumed: number;
  /** Numbers of the stored trials a stopped page left running, now failed as stale. */
  stale: number[];
  /** Storage warnings (a stored study with another strategy or seed). */
  warnings: string[];
}

/** The whole observable state; the page mirrors it into `window.__webtune`. */
export interface RunState {
  state: 'idle' | 'running' | 'done' | 'error';
  settings: RunSettings | null;
  trials: TrialRow[];
  best: { number: number; params: Record<string, unknown>; value: number } | null;
  adapter: AdapterReport | null;
  tfBackend: string | null;
  gp: GpReport | null;
  /** Why the study stopped (trials, exhausted, aborted …) once it has. */
  stopReason: StopReason | null;
  error: string | null;
  study: StudyReport | null;
  /** Parameter importances, refitted as trials complete (null before the run). */
  importances: ImportanceReport | null;
  /** The studies stored in this browser (null until the worker listed them; the page keeps it). */
  stored: { studies: StoredStudy[]; error: string | null } | null;
}

declare global {
  interface Window {
    /** Automation hook for tests: a JSON snapshot of the run state, replaced on every change. */
    __webtune: RunState;
  }
}

export function initialState(): RunState {
  return {
    state: 'idle',
    settings: null,
    trials: [],
    best: null,
    adapter: null,
    tfBackend: null,
    gp: null,
    stopReason: null,
    error: null,
    study: null,
    importances: null,
    stored: null,
  };
}

/** The adapter the browser offers (a separate request; TF.js and the GP open their own devices or share TF.js's). */
export async function probeAdapter(): Promise<AdapterReport> {
  const none = (reason: string): AdapterReport => ({
    available: false,
    vendor: '',
    architecture: '',
    description: '',
    isFallbackAdapter: false,
    reason,
  });
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu)
    return none('navigator.gpu is missing (no WebGPU in this browser or not a secure context)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) return none('requestAdapter() returned null');
  const info = adapter.info;
  return {
    available: true,
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    isFallbackAdapter:
      (info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
  };
}

export function toRow(t: FrozenTrial): TrialRow {
  const a = t.userAttrs;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    number: t.number,
    params: { ...t.params },
    state: t.state,
    valAccuracy:
      t.state === 'complete' || t.state === 'pruned'
        ? (t.value ?? null)
        : num(t.intermediate.at(-1)?.value),
    testAccuracy: num(a.testAccuracy),
    epochs: t.intermediate.length,
    durationMs: t.durationMs ?? null,
    tfBackend: typeof a.backend === 'string' ? a.backend : null,
    error: t.error ?? null,
  };
}

/** Best complete trial (highest validation accuracy, earliest on ties). */
export function bestOf(rows: readonly TrialRow[]): RunState['best'] {
  let best: RunState['best'] = null;
  for (const r of rows) {
    if (r.state !== 'complete' || r.valAccuracy === null) continue;
    if (best === null || r.valAccuracy > best.value) {
      best = { number: r.number, params: r.params, value: r.valAccuracy };
    }
  }
  return best;
}

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
  } satisfies Partial<RunState>);
  changed();
  let strategy: Strategy | undefined;
  let gpBackend: SurrogateBackend | undefined;
  try {
    const example = findExample(settings.example);
    state.tfBackend = await useBackend(settings.tfBackend as BackendName);
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
    const show = (t: FrozenTrial) => {
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
    const loaded = await study.load();
    for (const t of loaded.trials) show(t);
    state.study = {
      name: options.studyName ?? 'in memory',
      resumed: loaded.trials.length,
      stale: [...loaded.stale],
      warnings: options.warnings ?? [],
    };
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
  } catch (error) {
    state.state = 'error';
    state.error = error instanceof Error ? error.message : String(error);
  } finally {
    if (strategy?.destroy) strategy.destroy();
    else gpBackend?.destroy();
    changed();
  }
}
