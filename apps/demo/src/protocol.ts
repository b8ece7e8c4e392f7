import type { AdapterReport, RunSettings, RunState } from './run.js';
import type { StoredStudy } from './stored.js';

/** Messages from the page to the study worker. */
export type ToWorker =
  | {
      type: 'start';
      settings: RunSettings;
      /** Continue the stored study of these settings (false: a new study, refused if one is stored). */
      resume: boolean;
      adapter: AdapterReport | null;
      digitsUrl: string;
    }
  | { type: 'stop' }
  /** List the stored studies (answered by a 'studies' message). */
  | { type: 'list' }
  /** Delete a stored study, then list them. */
  | { type: 'discard'; name: string };

/** Messages from the study worker to the page. */
export type FromWorker =
  /** A full snapshot of the run after every change (its `stored` is the page's to keep). */
  | { type: 'state'; state: RunState }
  | { type: 'studies'; studies: StoredStudy[]; error: string | null };
