import { indexedDBStorage } from '@webtune/core/browser';
import { DEFAULT_SETTINGS, parseSettings, type RunSettings } from './run.js';

/** Every demo study's IndexedDB database name starts with this; the settings follow as a query. */
export const STUDY_PREFIX = 'webtune-demo?';

/** A study found in this browser's IndexedDB, as the page lists it. */
export interface StoredStudy {
  /** The database name, {@link studyName} of its settings. */
  name: string;
  /** The settings the name encodes; null when it does not parse (`error` says why). */
  settings: RunSettings | null;
  /** Stored trials by state. */
  trials: number;
  complete: number;
  /** Trials a stopped page left running: a resume fails them as stale. */
  running: number;
  error: string | null;
}

/**
 * The database of a run: every setting, in {@link DEFAULT_SETTINGS} order, so the same settings
 * always reach the same study and a stored study resumes with exactly its settings.
 */
export function studyName(settings: RunSettings): string {
  const keys = Object.keys(DEFAULT_SETTINGS) as (keyof RunSettings)[];
  return STUDY_PREFIX + new URLSearchParams(keys.map((k) => [k, String(settings[k])])).toString();
}

/**
 * The settings {@link studyName} encoded in `name`; throws naming the name and the setting that is
 * missing, unknown or invalid.
 */
export function settingsFromStudyName(name: string): RunSettings {
  if (!name.startsWith(STUDY_PREFIX)) {
    throw new Error(`study "${name}": not a demo study (its name must start with ${STUDY_PREFIX})`);
  }
  const query = new URLSearchParams(name.slice(STUDY_PREFIX.length));
  const raw: Partial<Record<keyof RunSettings, string>> = {};
  for (const [key, value] of query) {
    if (!(key in DEFAULT_SETTINGS)) throw new Error(`study "${name}": unknown setting '${key}'`);
    raw[key as keyof RunSettings] = value;
  }
  for (const key of Object.keys(DEFAULT_SETTINGS)) {
    if (!query.has(key)) throw new Error(`study "${name}": setting '${key}' is missing`);
  }
  try {
    return parseSettings(raw);
  } catch (error) {
    throw new Error(`study "${name}": ${(error as Error).message}`);
  }
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

async function countTrials(
  name: string,
): Promise<Omit<StoredStudy, 'name' | 'settings' | 'error'>> {
  const storage = indexedDBStorage(name);
  try {
    const trials = await storage.getTrials();
    const count = (state: string) => trials.filter((t) => t.state === state).length;
    return { trials: trials.length, complete: count('complete'), running: count('running') };
  } finally {
    storage.close();
  }
}

/** Lists the stored demo studies with their trial counts; one that cannot be read carries `error`. */
export async function listStudies(): Promise<StoredStudy[]> {
  const names = await studyNames();
  return Promise.all(
    names.map(async (name): Promise<StoredStudy> => {
      const entry: StoredStudy = {
        name,
        settings: null,
        trials: 0,
        complete: 0,
        running: 0,
        error: null,
      };
      try {
        entry.settings = settingsFromStudyName(name);
        Object.assign(entry, await countTrials(name));
      } catch (error) {
        entry.error = (error as Error).message;
      }
      return entry;
    }),
  );
}

/**
 * Checks that a run may use `name` before any work starts: a new run (`resume` false) refuses a
 * study that already holds trials, a resume refuses one that is not stored.
 */
export async function checkStudy(name: string, resume: boolean): Promise<void> {
  const exists = (await studyNames()).includes(name);
  if (resume && !exists) {
    throw new Error(`study "${name}" is not stored in this browser (discarded?)`);
  }
  if (!resume && exists) {
    const { trials } = await countTrials(name);
    if (trials > 0) {
      throw new Error(
        `study "${name}" is already stored with ${trials} trials: Resume or Discard it under Stored studies`,
      );
    }
  }
}

/** Deletes a stored study's database; rejects when another tab keeps it open. */
export function discardStudy(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () =>
      reject(new Error(`discarding study "${name}": ${request.error?.message ?? 'failed'}`));
    request.onblocked = () =>
      reject(
        new Error(
          `discarding study "${name}": another tab has it open; it goes once that tab closes it`,
        ),
      );
  });
}
