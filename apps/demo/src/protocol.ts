import type { RunSettings } from './settings.js';
import type { AdapterReport, RunState } from './state.js';

/** Messages from the page to the study worker (created when a study starts; it owns nothing else). */
export type ToWorker =
  | {
      type: 'start';
      /** The study's database (the page holds its lock while the run lasts). */
      name: string;
      settings: RunSettings;
      /** Continue the stored study (false: a new one). */
      resume: boolean;
      adapter: AdapterReport | null;
      digitsUrl: string;
    }
  | { type: 'stop' };

/** Messages from the study worker to the page: a full snapshot of the run after every change. */
export type FromWorker = { type: 'state'; state: RunState };
