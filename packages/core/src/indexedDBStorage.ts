import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { StudyExistsError, TrialFinishedError } from './errors.js';
import {
  applyChange,
  checkStudyMeta,
  createdTrial,
  parseStudyMeta,
  parseTrial,
} from './persist.js';
import type { FrozenTrial, Storage, StudyMeta } from './types.js';

/** Options of {@link indexedDBStorage}. */
export interface IndexedDBStorageOptions {
  /** Receives the warnings (a strategy or seed different from the stored study's). Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** A storage in IndexedDB; `close()` closes the connection (a later call opens it again). */
export interface IndexedDBStorage extends Storage {
  close(): void;
}

interface Schema extends DBSchema {
  /** The study under the key 'study'; under 'retries', how many trials are retries (a number). */
  study: { key: string; value: StudyMeta | number };
  /** Keyed by trial number. */
  trials: { key: number; value: FrozenTrial };
}

const VERSION = 1;

/**
 * A study in the browser's IndexedDB (also in web workers): database `dbName` (one study per
 * database) with a `study` store holding `{ direction, space, strategy, seed }` and a `trials`
 * store keyed by trial number holding each trial as last written. Each write is one IndexedDB
 * transaction, so it is in the database once it resolves and survives reloads; trial parameters
 * and user attributes must be structured-cloneable. On the study's first use an existing database
 * must hold the same direction and space (else it throws naming both values).
 *
 * A trial's number is allocated in the transaction that adds it (one past the highest key), and a
 * change is written in one transaction that first checks the trial still runs, so two tabs
 * writing one database never share a number or overwrite a finished trial. It is still not
 * `concurrent`: there are no heartbeats, so a study opened in one tab fails the trials another
 * tab is running as stale. Use one tab (or worker) per study. Throws at once where there is no
 * `indexedDB` (Node: use `fileStorage` from `@webtune/core/node`).
 */
export function indexedDBStorage(
  dbName: string,
  options: IndexedDBStorageOptions = {},
): IndexedDBStorage {
  if (typeof dbName !== 'string' || dbName === '') {
    throw new TypeError(`indexedDBStorage: dbName (${String(dbName)}) must be a non-empty string`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`indexedDBStorage: options (${String(options)}) must be an object`);
  }
  const { onWarning = (m: string) => console.warn(m) } = options;
  if (typeof onWarning !== 'function') {
    throw new TypeError('indexedDBStorage: onWarning must be a function');
  }
  if (typeof indexedDB === 'undefined') {
    throw new Error(
      'indexedDBStorage: this environment has no indexedDB (browsers and web workers have it; in Node use fileStorage from @webtune/core/node)',
    );
  }
  const where = `indexedDBStorage: database "${dbName}"`;
  let db: Promise<IDBPDatabase<Schema>> | undefined;

  const connect = (): Promise<IDBPDatabase<Schema>> => {
    db ??= openDB<Schema>(dbName, VERSION, {
      upgrade(d) {
        d.createObjectStore('study');
        d.createObjectStore('trials', { keyPath: 'number' });
      },
      // Another connection wants a newer version (or to delete the database): let it.
      blocking() {
        void db?.then((d) => d.close());
        db = undefined;
      },
    }).catch((error: unknown) => {
      db = undefined;
      throw wrap('could not open the database', error);
    });
    return db;
  };

  const wrap = (what: string, error: unknown) =>
    new Error(`${where}: ${what}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });

  return {
    async openStudy(meta) {
      const d = await connect();
      const tx = d.transaction('study', 'readwrite');
      const stored = await tx.store.get('study');
      if (stored === undefined) {
        await tx.store.put(
          {
            direction: meta.direction,
            space: meta.space,
            strategy: meta.strategy,
            seed: meta.seed,
          },
          'study',
        );
        await tx.done;
        return;
      }
      await tx.done;
      if (meta.loadIfExists === false) throw new StudyExistsError(where, 'a study');
      let parsed: StudyMeta;
      try {
        parsed = parseStudyMeta(stored);
      } catch (error) {
        throw wrap('the stored study record is invalid', error);
      }
      checkStudyMeta(where, parsed, meta, onWarning);
    },
    async createTrial(trial, options) {
      const d = await connect();
      const tx = d.transaction(['trials', 'study'], 'readwrite');
      const trials = tx.objectStore('trials');
      const study = tx.objectStore('study');
      try {
        const [last, count, stored] = await Promise.all([
          trials.openKeyCursor(null, 'prev'),
          trials.count(),
          study.get('retries'),
        ]);
        const retries = typeof stored === 'number' ? stored : 0;
        const max = options?.maxTrials;
        if (max !== undefined && trial.retryOf === undefined && count - retries >= max) {
          tx.abort();
          await tx.done.catch(() => undefined);
          return undefined;
        }
        const created = createdTrial(last === null ? 0 : last.key + 1, trial);
        const writes: Promise<unknown>[] = [trials.add(created)];
        if (trial.retryOf !== undefined) writes.push(study.put(retries + 1, 'retries'));
        await Promise.all([...writes, tx.done]);
        return created;
      } catch (error) {
        throw wrap('could not create a trial', error);
      }
    },
    async updateTrial(number, change) {
      const d = await connect();
      const tx = d.transaction('trials', 'readwrite');
      // The state check and the write in one transaction: nothing else writes in between.
      const old = await tx.store.get(number);
      if (old === undefined || old.state !== 'running') {
        tx.abort();
        await tx.done.catch(() => undefined);
        if (old === undefined) throw new Error(`${where}: no trial ${number} to update`);
        throw new TrialFinishedError(where, number, old.state);
      }
      try {
        await Promise.all([tx.store.put(applyChange(old, change)), tx.done]);
      } catch (error) {
        throw wrap(`could not update trial ${number}`, error);
      }
    },
    async getTrials(options) {
      const d = await connect();
      const tx = d.transaction('trials');
      const from = options?.from;
      const numbers = [...new Set(options?.numbers ?? [])]
        .filter((n) => from === undefined || n < from)
        .sort((a, b) => a - b);
      const picked =
        options === undefined || (from === undefined && options.numbers === undefined)
          ? await tx.store.getAll()
          : [
              ...(await Promise.all(numbers.map((n) => tx.store.get(n)))).filter(
                (t): t is FrozenTrial => t !== undefined,
              ),
              ...(from === undefined ? [] : await tx.store.getAll(IDBKeyRange.lowerBound(from))),
            ];
      await tx.done;
      return picked.map((t, i) => {
        try {
          return parseTrial(t);
        } catch (error) {
          throw wrap(`stored trial ${i} is invalid`, error);
        }
      });
    },
    close() {
      void db?.then((d) => d.close()).catch(() => undefined);
      db = undefined;
    },
  };
}
