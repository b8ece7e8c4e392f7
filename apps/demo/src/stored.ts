import type { FrozenTrial } from '@webtune/core';
import { indexedDBStorage } from '@webtune/core/browser';
import { DEFAULT_SETTINGS, parseSettings, type RawSettings, type RunSettings } from './settings.js';

/** Every demo study's IndexedDB database name starts with this; the settings follow as a query. */
export const STUDY_PREFIX = 'webtune-demo?';
/** localStorage key of a study's trial target (`trials`), which is not part of its name. */
const TARGET_PREFIX = 'webtune-demo-target?';

/** A study found in this browser's IndexedDB, as the page lists it. */
export interface StoredStudy {
  /** The database name, {@link studyName} of its settings (or an older name that also held `trials`). */
  name: string;
  /** The settings the name encodes, `trials` being the study's target; null when the name does not parse (`error` says why). */
  settings: RunSettings | null;
  /** Stored trials by state. */
  trials: number;
  complete: number;
  /** Trials a stopped page left running: a resume fails them as stale (or another tab runs them). */
  running: number;
  /** Another tab of this browser runs it now (holds its lock): no Resume or Discard here. */
  heldElsewhere: boolean;
  error: string | null;
}

/** The settings that name a study: all but `trials`, which is only how far to run it. */
const IDENTITY = (Object.keys(DEFAULT_SETTINGS) as (keyof RunSettings)[]).filter(
  (k) => k !== 'trials',
);

/**
 * The database of a run: every setting but `trials`, in {@link DEFAULT_SETTINGS} order, so the
 * same settings always reach the same study, and a study can be extended with more trials.
 */
export function studyName(settings: RunSettings): string {
  return (
    STUDY_PREFIX + new URLSearchParams(IDENTITY.map((k) => [k, String(settings[k])])).toString()
  );
}

/**
 * The settings {@link studyName} encoded in `name` (`trials` from the name where an older name
 * holds it, else the default); throws naming the name and the setting that is missing, unknown
 * or invalid.
 */
export function settingsFromStudyName(name: string): RunSettings {
  if (!name.startsWith(STUDY_PREFIX)) {
    throw new Error(`study "${name}": not a demo study (its name must start with ${STUDY_PREFIX})`);
  }
  const query = new URLSearchParams(name.slice(STUDY_PREFIX.length));
  const raw: RawSettings = {};
  for (const [key, value] of query) {
    if (!(key in DEFAULT_SETTINGS)) throw new Error(`study "${name}": unknown setting '${key}'`);
    raw[key as keyof RunSettings] = value;
  }
  for (const key of IDENTITY) {
    if (!query.has(key)) throw new Error(`study "${name}": setting '${key}' is missing`);
  }
  try {
    return parseSettings(raw);
  } catch (error) {
    throw new Error(`study "${name}": ${(error as Error).message}`);
  }
}

/** The trial target last run for study `name` in this browser, or null. */
export function storedTarget(name: string): number | null {
  const v = Number(globalThis.localStorage?.getItem(TARGET_PREFIX + name) ?? Number.NaN);
  return Number.isInteger(v) && v > 0 ? v : null;
}

export function setStoredTarget(name: string, trials: number): void {
  globalThis.localStorage?.setItem(TARGET_PREFIX + name, String(trials));
}

/** The demo's study databases in this origin's IndexedDB, sorted by name. */
async function studyNames(): Promise<string[]> {
  if (typeof indexedDB === 'undefined') {
    throw new Error('this browser offers no IndexedDB here, so studies cannot be stored');
  }
  const databases = await indexedDB.databases();
  return databases
    .map((d) => d.name ?? '')
    .filter((n) => n.startsWith(STUDY_PREFIX))
    .sort();
}

/** Every trial stored for study `name`, by number (read-only: the study is not opened for writing). */
export async function readTrials(name: string): Promise<FrozenTrial[]> {
  const storage = indexedDBStorage(name);
  try {
    return [...(await storage.getTrials())].sort((a, b) => a.number - b.number);
  } finally {
    storage.close();
  }
}

/**
 * Lists the stored demo studies with their trial counts; one that cannot be read carries `error`.
 * `held` names the studies another tab runs now.
 */
export async function listStudies(held: ReadonlySet<string> = new Set()): Promise<StoredStudy[]> {
  const names = await studyNames();
  return Promise.all(
    names.map(async (name): Promise<StoredStudy> => {
      const entry: StoredStudy = {
        name,
        settings: null,
        trials: 0,
        complete: 0,
        running: 0,
        heldElsewhere: held.has(name),
        error: null,
      };
      try {
        const settings = settingsFromStudyName(name);
        const trials = await readTrials(name);
        const count = (state: string) => trials.filter((t) => t.state === state).length;
        Object.assign(entry, {
          trials: trials.length,
          complete: count('complete'),
          running: count('running'),
        });
        entry.settings = {
          ...settings,
          trials: Math.max(storedTarget(name) ?? settings.trials, 1),
        };
      } catch (error) {
        entry.error = (error as Error).message;
      }
      return entry;
    }),
  );
}

/** Checks that a resume may use `name`: it must be stored. */
export async function checkStudy(name: string): Promise<void> {
  if (!(await studyNames()).includes(name)) {
    throw new Error(`study "${name}" is not stored in this browser (discarded?)`);
  }
}

/** How long a discard waits for other connections to the study's database to close. */
const DISCARD_BLOCKED_MS = 5000;

/**
 * Deletes a stored study's database; rejects when a connection to it stays open. A "blocked"
 * event alone is not a failure: the other connections (another tab's list, a worker that has
 * just stopped) are asked to close and do so a moment later, and the deletion then goes on by
 * itself. Only when they are still open after {@link DISCARD_BLOCKED_MS} does this reject.
 */
export function discardStudy(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => {
      clearTimeout(timer);
      globalThis.localStorage?.removeItem(TARGET_PREFIX + name);
      resolve();
    };
    request.onerror = () => {
      clearTimeout(timer);
      reject(new Error(`discarding study "${name}": ${request.error?.message ?? 'failed'}`));
    };
    request.onblocked = () => {
      timer ??= setTimeout(
        () =>
          reject(
            new Error(`discarding study "${name}": it is still open; try again once it stops`),
          ),
        DISCARD_BLOCKED_MS,
      );
    };
  });
}

/**
 * Fails the trials of study `name` still marked running, with `error`: what the worker would
 * have written had it not been ended mid-epoch (Stop ends it when it does not stop within a
 * moment). The caller must hold the study's lock.
 */
export async function failRunning(name: string, error: string): Promise<void> {
  const storage = indexedDBStorage(name, { onWarning: () => {} });
  try {
    const now = Date.now();
    for (const t of await storage.getTrials()) {
      if (t.state !== 'running') continue;
      await storage.updateTrial(t.number, {
        state: 'failed',
        error,
        durationMs: now - t.startedAt,
      });
    }
  } finally {
    storage.close();
  }
}
