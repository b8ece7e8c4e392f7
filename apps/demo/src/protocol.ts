import type { AdapterReport, RunSettings, RunState } from './run.js';

/** Messages from the page to the study worker. */
export type ToWorker =
  | { type: 'start'; settings: RunSettings; adapter: AdapterReport | null; digitsUrl: string }
  | { type: 'stop' };

/** Messages from the study worker to the page: a full snapshot after every change. */
export type FromWorker = { type: 'state'; state: RunState };
