import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import { checkStudyMeta, parseStudyMeta, parseTrial } from './persist.js';
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
  /** One record under the key 'study'. */
  study: { key: string; value: StudyMeta };
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
 * One tab (or worker) at a time: two writers would race for trial numbers (the loser's
 * `createTrial` throws "already exists"). Throws at once where there is no `indexedDB` (Node:
 * use `fileStorage` from `@webtune/core/node`).
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
      let parsed: StudyMeta;
      try {
        parsed = parseStudyMeta(stored);
      } catch (error) {
        throw wrap('the stored study record is invalid', error);
      }
      checkStudyMeta(where, parsed, meta, onWarning);
    },
    async createTrial(trial) {
      const d = await connect();
      try {
        await d.add('trials', trial);
      } catch (error) {
        if (error instanceof DOMException && error.name === 'ConstraintError') {
          throw new Error(`${where}: trial ${trial.number} already exists`, { cause: error });
        }
        throw wrap(`could not create trial ${trial.number}`, error);
      }
    },
    async updateTrial(trial) {
      const d = await connect();
      const tx = d.transaction('trials', 'readwrite');
      // The existence check and the write in one transaction: nothing else writes in between.
      if ((await tx.store.getKey(trial.number)) === undefined) {
        tx.abort();
        await tx.done.catch(() => undefined);
        throw new Error(`${where}: no trial ${trial.number} to update`);
      }
      try {
        await Promise.all([tx.store.put(trial), tx.done]);
      } catch (error) {
        throw wrap(`could not update trial ${trial.number}`, error);
      }
    },
    async getTrials() {
      const d = await connect();
      const stored = await d.getAll('trials');
      return stored.map((t, i) => {
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
