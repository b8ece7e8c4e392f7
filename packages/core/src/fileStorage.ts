import { open, readFile, truncate } from 'node:fs/promises';
import { dirname } from 'node:path';
import { checkStudyMeta, parseStudyMeta, parseTrial } from './persist.js';
import type { FrozenTrial, Storage, StudyMeta } from './types.js';

/** Options of {@link fileStorage}. */
export interface FileStorageOptions {
  /**
   * fsync each record before its write resolves, so a finished write survives a power loss, not
   * just a crash of the process. Default true (one fsync per trial change: about a millisecond on
   * an SSD).
   */
  fsync?: boolean;
  /**
   * Receives the warnings: an incomplete last line dropped on open, a strategy or seed different
   * from the journal's. Default `console.warn`.
   */
  onWarning?: (message: string) => void;
  /**
   * Open the journal for reading only (inspecting a study another process may still be running,
   * `webtune report`): nothing is ever written or cut, not even an incomplete last line (it is
   * ignored, with the warning); the file must exist; `createTrial` / `updateTrial` throw, and so
   * does `openStudy` when the journal holds no study yet. Default false.
   */
  readOnly?: boolean;
}

/** The storage {@link fileStorage} returns: a `Storage` that also reads back the study it holds. */
export interface FileStorage extends Storage {
  /** The study recorded in the journal's first line, or undefined when it holds none yet (empty or new file). */
  getStudy(): Promise<StudyMeta | undefined>;
}

/** The journal's first line. */
const FORMAT = 'webtune-journal/1';

type JournalRecord =
  | { op: 'study'; format: string; study: StudyMeta }
  | { op: 'create' | 'update'; trial: FrozenTrial };

interface Journal {
  meta: StudyMeta | undefined;
  trials: Map<number, FrozenTrial>;
  /** Bytes of complete records in the file: where the next record starts. */
  size: number;
}

function show(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** JSON of one record; values JSON cannot hold exactly (NaN, functions, bigint…) throw by name. */
function serialise(where: string, record: JournalRecord): string {
  return JSON.stringify(record, (key, v: unknown) => {
    if (
      (typeof v === 'number' && !Number.isFinite(v)) ||
      typeof v === 'function' ||
      typeof v === 'symbol' ||
      typeof v === 'bigint'
    ) {
      const what = 'trial' in record ? `trial ${record.trial.number}` : 'the study';
      throw new TypeError(`${where}: ${what}: ${key} (${String(v)}) is not a JSON value`);
    }
    return v;
  });
}

/**
 * A study journal in a file, for Node (Optuna: JournalFileStorage). Every change is one appended
 * line of JSON: the first line records the study (`{"op":"study","format":"webtune-journal/1",
 * "study":{direction, space, strategy, seed}}`), then one `{"op":"create"|"update","trial":{…}}`
 * line per trial change, holding the whole trial; replaying the lines in order gives every trial
 * as last written. Each record is written with one `write` on a file opened for appending (then
 * fsynced, see `fsync`), so a record is in the journal once its newline is.
 *
 * Opening the journal (the study's first use): a missing or empty file starts a new study; an
 * existing one must hold the same direction and space (else it throws naming both values).
 * An incomplete last line (the process died mid-write) is dropped with a warning and cut from the
 * file (left in place with `readOnly`); any other line that is not a valid record throws, naming
 * the file and the line number.
 * A write that fails is cut back out of the file, so the journal stays valid.
 *
 * One process at a time: nothing locks the file, and two writers would corrupt it (two creates
 * of one trial number are reported as such on the next open). Trial parameters and user
 * attributes must be JSON values. The path is used as given (relative paths resolve against the
 * process's working directory).
 */
export function fileStorage(path: string, options: FileStorageOptions = {}): FileStorage {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`fileStorage: path (${show(path)}) must be a non-empty string`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`fileStorage: options (${show(options)}) must be an object`);
  }
  const { fsync = true, onWarning = (m: string) => console.warn(m), readOnly = false } = options;
  if (typeof fsync !== 'boolean') {
    throw new TypeError(`fileStorage: fsync (${show(fsync)}) must be a boolean`);
  }
  if (typeof readOnly !== 'boolean') {
    throw new TypeError(`fileStorage: readOnly (${show(readOnly)}) must be a boolean`);
  }
  if (typeof onWarning !== 'function') {
    throw new TypeError('fileStorage: onWarning must be a function');
  }
  const where = `fileStorage: ${path}`;
  let journal: Promise<Journal> | undefined;
  /** Appends and the reads that must see them, one after another. */
  let queue: Promise<unknown> = Promise.resolve();

  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  async function load(): Promise<Journal> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (readOnly) throw new Error(`${where}: no such file (a read-only journal must exist)`);
      bytes = Buffer.alloc(0);
    }
    const j: Journal = { meta: undefined, trials: new Map(), size: 0 };
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end < bytes.length) {
      const line = bytes.subarray(0, end).toString('utf8').split('\n').length;
      onWarning(
        `${where}: line ${line} is incomplete (the process stopped mid-write?); ${readOnly ? 'ignored it (read-only: the file is left as it is)' : 'dropped it'}: ${bytes.subarray(end, end + 80).toString('utf8')}`,
      );
      if (!readOnly) await truncate(path, end);
    }
    j.size = end;
    const lines = bytes.subarray(0, end).toString('utf8').split('\n');
    lines.pop();
    lines.forEach((text, i) => {
      if (text.trim() === '') return;
      const at = `${where} line ${i + 1}`;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(text);
      } catch (error) {
        throw new Error(
          `${at} is not valid JSON (${(error as Error).message}); the journal is corrupt before its last line: repair or remove that line`,
        );
      }
      const fail = (why: string) =>
        new Error(`${at} is not a valid journal record: ${why}: ${text.slice(0, 200)}`);
      if (j.meta === undefined) {
        if (record?.op !== 'study') throw fail('the first record must be {"op":"study",…}');
        if (record.format !== FORMAT) {
          throw fail(`format ${show(record.format)} is not "${FORMAT}"`);
        }
        try {
          j.meta = parseStudyMeta(record.study);
        } catch (error) {
          throw fail((error as Error).message);
        }
        return;
      }
      if (record?.op !== 'create' && record?.op !== 'update') {
        throw fail(`op ${show(record?.op)} is not "create" or "update"`);
      }
      let trial: FrozenTrial;
      try {
        trial = parseTrial(record.trial);
      } catch (error) {
        throw fail((error as Error).message);
      }
      const known = j.trials.has(trial.number);
      if (record.op === 'create' && known) {
        throw fail(
          `trial ${trial.number} is created a second time (did two processes write this journal?)`,
        );
      }
      if (record.op === 'update' && !known) {
        throw fail(`trial ${trial.number} is updated before it is created`);
      }
      j.trials.set(trial.number, trial);
    });
    return j;
  }

  const loaded = (): Promise<Journal> => {
    journal ??= serial(load);
    // A failed open (corrupt file) is not cached: the next call reads the file again.
    journal.catch(() => {
      journal = undefined;
    });
    return journal;
  };

  async function append(j: Journal, record: JournalRecord): Promise<void> {
    const data = Buffer.from(`${serialise(where, record)}\n`, 'utf8');
    try {
      const created = j.size === 0;
      const handle = await open(path, 'a');
      try {
        let done = 0;
        while (done < data.length) {
          done += (await handle.write(data, done, data.length - done)).bytesWritten;
        }
        if (fsync) await handle.datasync();
      } finally {
        await handle.close();
      }
      if (created && fsync) await syncDirectory(dirname(path));
    } catch (error) {
      await truncate(path, j.size).catch(() => undefined);
      throw new Error(`${where}: could not append to the journal: ${(error as Error).message}`, {
        cause: error,
      });
    }
    j.size += data.length;
  }

  const writable = (what: string) => {
    if (readOnly) throw new Error(`${where}: opened read-only, so it cannot ${what}`);
  };

  return {
    async openStudy(meta) {
      const j = await loaded();
      await serial(async () => {
        if (j.meta !== undefined) {
          checkStudyMeta(where, j.meta, meta, onWarning);
          return;
        }
        writable('record a new study');
        const study = {
          direction: meta.direction,
          space: meta.space,
          strategy: meta.strategy,
          seed: meta.seed,
        };
        await append(j, { op: 'study', format: FORMAT, study });
        j.meta = study;
      });
    },
    async createTrial(trial) {
      writable(`create trial ${show(trial?.number)}`);
      const j = await loaded();
      await serial(async () => {
        if (j.meta === undefined) {
          throw new Error(
            `${where}: openStudy() must come before the first trial (createStudy calls it)`,
          );
        }
        if (j.trials.has(trial.number)) {
          throw new Error(`${where}: trial ${trial.number} already exists`);
        }
        await append(j, { op: 'create', trial });
        j.trials.set(trial.number, trial);
      });
    },
    async updateTrial(trial) {
      writable(`update trial ${show(trial?.number)}`);
      const j = await loaded();
      await serial(async () => {
        if (!j.trials.has(trial.number)) {
          throw new Error(`${where}: no trial ${trial.number} to update`);
        }
        await append(j, { op: 'update', trial });
        j.trials.set(trial.number, trial);
      });
    },
    async getTrials() {
      const j = await loaded();
      return serial(async () => [...j.trials.values()].sort((a, b) => a.number - b.number));
    },
    async getStudy() {
      const j = await loaded();
      return serial(async () => (j.meta === undefined ? undefined : { ...j.meta }));
    },
  };
}

/** fsyncs a directory so a newly created file's entry survives a power loss (best effort: not on Windows). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be opened for sync on every platform; the record itself is synced.
  }
}
