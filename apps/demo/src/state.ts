import type { FrozenTrial, StopReason } from '@webtune/core';
import type { ImportanceReport } from './importances.js';
import type { GpBackendName, RunSettings } from './settings.js';
import type { StoredStudy } from './stored.js';

/*
 * The run's observable state and what the page needs to show it: no TF.js, no GP, so the page
 * imports it without loading either.
 */

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
  /** The value reported after each epoch (validation accuracy), in order: the learning curve. */
  curve: number[];
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
  /** 'opened': a stored study shown as stored, not running in this tab. */
  state: 'idle' | 'opened' | 'running' | 'done' | 'error';
  settings: RunSettings | null;
  trials: TrialRow[];
  best: { number: number; params: Record<string, unknown>; value: number } | null;
  adapter: AdapterReport | null;
  tfBackend: string | null;
  /** Why TF.js's 'auto' passed over backends (e.g. a fallback WebGPU adapter); empty otherwise. */
  tfSkipped: string[];
  /** What the run is doing when it is not training an epoch yet (loading TF.js, compiling shaders …); null while trials train. */
  phase: string | null;
  gp: GpReport | null;
  /** Why the study stopped (trials, exhausted, aborted …) once it has. */
  stopReason: StopReason | null;
  error: string | null;
  study: StudyReport | null;
  /** Parameter importances, refitted as trials complete (null before the run). */
  importances: ImportanceReport | null;
  /** The studies stored in this browser (null until the page listed them). */
  stored: { studies: StoredStudy[]; error: string | null } | null;
  /** Settings in the page's address that were not valid, each with the default used instead. */
  notes: string[];
  /** What the live region has announced since the page loaded, in order (state changes only). */
  announced: string[];
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
    tfSkipped: [],
    phase: null,
    gp: null,
    stopReason: null,
    error: null,
    study: null,
    importances: null,
    stored: null,
    notes: [],
    announced: [],
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
    curve: t.intermediate.map((p) => p.value),
    durationMs: t.durationMs ?? null,
    tfBackend: typeof a.backend === 'string' ? a.backend : null,
    error: t.error ?? null,
  };
}

/** Best complete trial (highest validation accuracy, or lowest value when minimising; earliest on ties). */
export function bestOf(
  rows: readonly TrialRow[],
  direction: 'maximize' | 'minimize' = 'maximize',
): RunState['best'] {
  let best: RunState['best'] = null;
  const sign = direction === 'maximize' ? 1 : -1;
  for (const r of rows) {
    if (r.state !== 'complete' || r.valAccuracy === null) continue;
    if (best === null || sign * (r.valAccuracy - best.value) > 0) {
      best = { number: r.number, params: r.params, value: r.valAccuracy };
    }
  }
  return best;
}
