import {
  close as closeFd,
  fdatasync,
  open as openFd,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { link, open, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { StudyExistsError, TrialFinishedError } from './errors.js';
import {
  applyChange,
  checkStudyMeta,
  createdTrial,
  parseStudyMeta,
  parseTrial,
  parseTrialDelta,
  selectTrials,
  TRIAL_SCALARS,
  type TrialDelta,
} from './persist.js';
import type { FrozenTrial, OpenStudy, Storage, StudyMeta } from './types.js';

/** Options of {@link fileStorage}. */
export interface FileStorageOptions {
  /**
   * When records reach the disk. Every write has reached the operating system when it resolves,
   * so it survives the process crashing or being killed either way; fsync decides what survives a
   * power loss or an operating-system crash:
   * - `'always'` (or `true`, the default): each record is fsynced before its write resolves, so
   *   nothing finished is lost. One fsync per trial change: about a millisecond on an SSD, more on
   *   a busy or network disk — the journal's cost when trials take milliseconds.
   * - `{ everyMs }`: fsync at most every `everyMs` milliseconds (and on `close()`): a power loss
   *   loses at most the records written in the last `everyMs` ms before it (the journal stays
   *   readable: an incomplete last line is dropped on open).
   * - `'never'` (or `false`): the operating system writes when it chooses (typically within 30 s).
   */
  fsync?: boolean | 'always' | 'never' | { everyMs: number };
  /**
   * Receives the warnings: an incomplete last line dropped on open, a stale lock taken over, a
   * strategy, seed or parameter order different from the journal's. Default `console.warn`.
   */
  onWarning?: (message: string) => void;
  /**
   * Open the journal for reading only (inspecting a study another process may still be running,
   * `webtune report`): no lock is taken and nothing is ever written or cut, not even an
   * incomplete last line (it is ignored, with the warning); the file must exist; `createTrial` /
   * `updateTrial` throw, and so does `openStudy` when the journal holds no study yet. Default false.
   */
  readOnly?: boolean;
}

/** The storage {@link fileStorage} returns: a `Storage` that also reads back the study it holds. */
export interface FileStorage extends Storage {
  openStudy(study: OpenStudy): Promise<void>;
  /** The study recorded in the journal's first line, or undefined when it holds none yet (empty or new file). */
  getStudy(): Promise<StudyMeta | undefined>;
  /**
   * Waits for the writes in progress and removes the journal's lock file, so another process may
   * open it. A later call opens the journal again (reading it and taking the lock). Without
   * `close()` the lock goes when the process exits normally ('exit': the end of the program,
   * `process.exit()`); a process killed by a signal leaves it behind, stale, and the next open on
   * the same host takes it over.
   */
  close(): Promise<void>;
}

/** The journal's first line names this format. */
const FORMAT = 'webtune-journal/1';

/** How every record's line begins (JSON.stringify of an object whose first key is `op`). */
const RECORD_START = '{"op":';

/** Bytes beyond which line 1 is not read as a study line (binary files, huge one-line texts). */
const MAX_STUDY_LINE = 16 * 2 ** 20;

/** An update that only changes some fields, adds user attributes or appends intermediate values. */
interface DeltaRecord {
  op: 'update';
  number: number;
  set?: Record<string, unknown>;
  attrs?: Record<string, unknown>;
  /** [step, value] pairs appended to the intermediate values. */
  append?: [number, number][];
}

type JournalRecord =
  | { op: 'study'; format: string; study: StudyMeta }
  | { op: 'create' | 'update'; trial: FrozenTrial }
  | DeltaRecord;

interface Journal {
  meta: StudyMeta | undefined;
  /** Every trial as last written. */
  trials: Map<number, FrozenTrial>;
  /** How many trials are retries of failed ones (not counted against `maxTrials`). */
  retries: number;
  /** Bytes of complete records in the file: where the next record starts. */
  size: number;
}

/** A trial being replayed from the journal: the last whole record and the deltas since. */
interface Draft {
  base: FrozenTrial;
  set?: Record<string, unknown>;
  intermediate?: { step: number; value: number }[];
  userAttrs?: Record<string, unknown>;
}

function show(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const code = (error: unknown): unknown => (error as NodeJS.ErrnoException | undefined)?.code;

/** Sets `key` as an own property, even `__proto__`. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
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
      const number = 'trial' in record ? record.trial.number : 'number' in record && record.number;
      const what = number === false ? 'the study' : `trial ${number}`;
      throw new TypeError(`${where}: ${what}: ${key} (${String(v)}) is not a JSON value`);
    }
    return v;
  });
}

const sameValue = (a: unknown, b: unknown): boolean =>
  Object.is(a, b) ||
  (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b));

/**
 * The record that turns `old` into `now`: a delta when only the fields in TRIAL_SCALARS changed,
 * user attributes were added or changed and intermediate values appended (what a running trial
 * does); the whole trial otherwise; undefined when nothing changed.
 */
function updateRecord(old: FrozenTrial, now: FrozenTrial): JournalRecord | undefined {
  const whole = { op: 'update', trial: now } as const;
  if (old.params !== now.params && !sameValue(old.params, now.params)) return whole;
  const set: Record<string, unknown> = {};
  for (const field of TRIAL_SCALARS) {
    if (Object.is(now[field], old[field])) continue;
    if (now[field] === undefined) return whole;
    set[field] = now[field];
  }
  let attrs: Record<string, unknown> | undefined;
  if (now.userAttrs !== old.userAttrs) {
    for (const key of Object.keys(old.userAttrs)) {
      if (!Object.hasOwn(now.userAttrs, key)) return whole;
    }
    for (const [key, value] of Object.entries(now.userAttrs)) {
      if (Object.hasOwn(old.userAttrs, key) && sameValue(old.userAttrs[key], value)) continue;
      attrs ??= {};
      put(attrs, key, value);
    }
  }
  const append: [number, number][] = [];
  if (now.intermediate !== old.intermediate) {
    if (now.intermediate.length < old.intermediate.length) return whole;
    for (const [i, a] of old.intermediate.entries()) {
      const b = now.intermediate[i]!;
      if (a !== b && (a.step !== b.step || !Object.is(a.value, b.value))) return whole;
    }
    for (const r of now.intermediate.slice(old.intermediate.length)) append.push([r.step, r.value]);
  }
  const delta: DeltaRecord = { op: 'update', number: now.number };
  if (Object.keys(set).length > 0) delta.set = set;
  if (attrs !== undefined) delta.attrs = attrs;
  if (append.length > 0) delta.append = append;
  return Object.keys(delta).length > 2 ? delta : undefined;
}

function applyDelta(draft: Draft, delta: TrialDelta): void {
  if (Object.keys(delta.set).length > 0) draft.set = { ...draft.set, ...delta.set };
  if (delta.append.length > 0) {
    draft.intermediate ??= [...draft.base.intermediate];
    draft.intermediate.push(...delta.append);
  }
  if (delta.attrs !== undefined) {
    draft.userAttrs ??= { ...draft.base.userAttrs };
    for (const [key, value] of Object.entries(delta.attrs)) put(draft.userAttrs, key, value);
  }
}

function finish(draft: Draft): FrozenTrial {
  if (!draft.set && !draft.intermediate && !draft.userAttrs) return draft.base;
  return parseTrial({
    ...draft.base,
    ...draft.set,
    intermediate: draft.intermediate ?? draft.base.intermediate,
    userAttrs: draft.userAttrs ?? draft.base.userAttrs,
  });
}

/**
 * A study journal in a file, for Node (Optuna: JournalFileStorage). Every change is one appended
 * line of JSON. The first line records the study: `{"op":"study","format":"webtune-journal/1",
 * "study":{direction, space, strategy, seed}}`. Then, per trial change:
 * - `{"op":"create","trial":{…}}`: a new trial, whole;
 * - `{"op":"update","number":N,"set":{…},"attrs":{…},"append":[[step,value],…]}`: a delta, written
 *   when the trial only changed fields (`set`: state, value, error, startedAt, durationMs), added
 *   or changed user attributes (`attrs`) and appended intermediate values (`append`), each part
 *   present when not empty — so a trial reporting n values writes O(n) bytes, not O(n²);
 * - `{"op":"update","trial":{…}}`: the whole trial, for any other change (journals written before
 *   deltas hold only these, and still open).
 * Replaying the lines in order gives every trial as last written. Each record is written with one
 * `write` on a file opened for appending (then fsynced, see `fsync`), so a record is in the journal
 * once its newline is. Lines are read one at a time from the file's bytes, so a journal's size is
 * not bound by the longest string Node can make.
 *
 * Opening the journal (the study's first use, or any call after `close()`): a missing or empty
 * file starts a new study; an existing one must begin with a valid study line, or it is "not a
 * webtune journal" and left as it is, byte for byte; its direction and space must be the study's
 * (else it throws naming both values). An incomplete last line that starts like a record (the
 * process died mid-write; or NUL bytes a crash left) is dropped with a warning and cut from the file (left in place with
 * `readOnly`), once every line before it has been read; any other line that is not a valid record
 * throws, naming the file and the line number, and changes nothing. A write that fails is cut back
 * out of the file, so the journal stays valid.
 *
 * One process at a time: opening for writing creates `<path>.lock` (exclusively, holding the pid,
 * host name and time), removed by `close()` or when the process exits. Another process opening
 * the journal then fails, naming the lock file and its holder; a lock left by a process no longer
 * running on this host is taken over with a warning (one on another host is never: remove it by
 * hand once that process is gone), atomically: of processes starting together on a stale lock,
 * exactly one takes it over. Storages within one process share the lock. Trial parameters and
 * user attributes must be JSON values. The path is used as given (relative paths resolve against
 * the process's working directory).
 */
export function fileStorage(path: string, options: FileStorageOptions = {}): FileStorage {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`fileStorage: path (${show(path)}) must be a non-empty string`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`fileStorage: options (${show(options)}) must be an object`);
  }
  const { onWarning = (m: string) => console.warn(m), readOnly = false } = options;
  const fsync = syncPolicy(options.fsync);
  if (typeof readOnly !== 'boolean') {
    throw new TypeError(`fileStorage: readOnly (${show(readOnly)}) must be a boolean`);
  }
  if (typeof onWarning !== 'function') {
    throw new TypeError('fileStorage: onWarning must be a function');
  }
  const where = `fileStorage: ${path}`;
  let journal: Journal | undefined;
  /** The lock file this storage holds (absolute), while it holds one. */
  let lock: string | undefined;
  /** Opening, appends and reads, one after another. */
  let queue: Promise<unknown> = Promise.resolve();
  /**
   * The journal's file descriptor for appending, kept between appends; closed by `close()` and
   * on a failed write. A plain descriptor, not a FileHandle: a storage dropped without `close()`
   * keeps it to the end of the process (as its lock), with no warning when garbage-collected.
   */
  let appender: number | undefined;
  /** Records written since the last fsync, with `{ everyMs }`. */
  let unsynced = false;
  let syncTimer: ReturnType<typeof setTimeout> | undefined;

  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task);
    queue = run.catch(() => undefined);
    return run;
  };

  const cannotRead = (error: unknown) =>
    new Error(`${where}: cannot read the journal: ${reason(error)}`, { cause: error });

  async function load(): Promise<Journal> {
    try {
      if ((await stat(path)).isDirectory()) throw new Error('it is a directory');
    } catch (error) {
      if (code(error) !== 'ENOENT') throw cannotRead(error);
    }
    if (!readOnly) lock = await lockJournal(path, where, onWarning);
    try {
      return await read();
    } catch (error) {
      await release();
      throw error;
    }
  }

  async function release(): Promise<void> {
    const held = lock;
    lock = undefined;
    if (held !== undefined) await unlockJournal(held);
  }

  /** The study line's metadata, or throws "not a webtune journal" (nothing else is read then). */
  function header(text: string, complete: boolean): StudyMeta {
    const excerpt =
      text === '' ? 'an empty line' : text.length > 80 ? `${text.slice(0, 80)}…` : text;
    const notJournal = (why: string) =>
      new Error(`${where} is not a webtune journal (line 1: ${why})`);
    let record: Record<string, unknown> | undefined;
    try {
      record = JSON.parse(text);
    } catch {
      throw notJournal(
        !complete && text.startsWith('{"op":"study"')
          ? `an incomplete study line, the process stopped while creating the journal? Remove the file to start a new one: ${excerpt}`
          : `not JSON: ${excerpt}`,
      );
    }
    if (record?.op !== 'study') {
      throw notJournal(`not a {"op":"study","format":"${FORMAT}",…} line: ${excerpt}`);
    }
    if (record.format !== FORMAT) {
      throw notJournal(`format ${show(record.format)} is not "${FORMAT}"`);
    }
    try {
      return parseStudyMeta(record.study);
    } catch (error) {
      throw notJournal(`${reason(error)}: ${excerpt}`);
    }
  }

  async function read(): Promise<Journal> {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (code(error) !== 'ENOENT') throw cannotRead(error);
      if (readOnly) throw new Error(`${where}: no such file (a read-only journal must exist)`);
      bytes = Buffer.alloc(0);
    }
    const j: Journal = { meta: undefined, trials: new Map(), retries: 0, size: 0 };
    if (bytes.length === 0) return j;
    /** Bytes of complete lines. */
    const end = bytes.lastIndexOf(0x0a) + 1;
    const first = bytes.indexOf(0x0a);
    const firstEnd = first < 0 ? bytes.length : first;
    if (firstEnd > MAX_STUDY_LINE) {
      throw new Error(
        `${where} is not a webtune journal (line 1: ${firstEnd} bytes, longer than a study line can be)`,
      );
    }
    const meta = header(bytes.toString('utf8', 0, firstEnd), first >= 0);
    const drafts = new Map<number, Draft>();
    let line = 1;
    if (first >= 0) {
      j.meta = meta;
      for (let start = first + 1; start < end; line++) {
        const stop = bytes.indexOf(0x0a, start);
        replay(drafts, bytes.toString('utf8', start, stop), line + 1);
        start = stop + 1;
      }
      line++;
    }
    for (const [number, draft] of [...drafts].sort((a, b) => a[0] - b[0])) {
      if (draft.base.retryOf !== undefined) j.retries++;
      try {
        j.trials.set(number, finish(draft));
      } catch (error) {
        throw new Error(`${where}: trial ${number} as its records leave it: ${reason(error)}`);
      }
    }
    for (let n = 0; n < j.trials.size; n++) {
      if (!j.trials.has(n)) {
        throw new Error(
          `${where}: trial ${n} is missing (the journal holds ${j.trials.size} trials, numbered from 0 without gaps when written by webtune)`,
        );
      }
    }
    if (end < bytes.length) {
      const tail = bytes.toString('utf8', end, Math.min(bytes.length, end + 80));
      // Every record starts with RECORD_START; a crash may also leave NUL bytes past the end.
      if (!(tail.startsWith(RECORD_START) || RECORD_START.startsWith(tail) || /^\0+$/.test(tail))) {
        throw new Error(
          `${where} line ${line} (the last, with no newline) is not a journal record: ${tail}; the file is left as it is: repair or remove that line`,
        );
      }
      onWarning(
        `${where}: line ${line} is incomplete (the process stopped mid-write?); ${readOnly ? 'ignored it (read-only: the file is left as it is)' : 'dropped it'}: ${tail}`,
      );
      if (!readOnly) {
        try {
          await truncate(path, end);
        } catch (error) {
          throw new Error(`${where}: cannot cut the incomplete line ${line}: ${reason(error)}`, {
            cause: error,
          });
        }
      }
    }
    j.size = end;
    return j;
  }

  /** Applies journal line `line` (text, after the study line) to `drafts`. */
  function replay(drafts: Map<number, Draft>, text: string, line: number): void {
    if (text.trim() === '') return;
    const at = `${where} line ${line}`;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(text);
    } catch (error) {
      throw new Error(
        `${at} is not valid JSON (${reason(error)}); the journal is corrupt before its last line: repair or remove that line`,
      );
    }
    const fail = (why: string) =>
      new Error(`${at} is not a valid journal record: ${why}: ${text.slice(0, 200)}`);
    const { op } = record ?? {};
    if (op !== 'create' && op !== 'update') {
      throw fail(`op ${show(op)} is not "create" or "update"`);
    }
    let whole: FrozenTrial | undefined;
    let delta: TrialDelta | undefined;
    try {
      if (op === 'create' || 'trial' in record) whole = parseTrial(record.trial);
      else delta = parseTrialDelta(record);
    } catch (error) {
      throw fail(reason(error));
    }
    const number = whole?.number ?? delta!.number;
    const draft = drafts.get(number);
    if (op === 'create' && draft) {
      throw fail(
        `trial ${number} is created a second time (did two processes write this journal?)`,
      );
    }
    if (op === 'update' && !draft) throw fail(`trial ${number} is updated before it is created`);
    if (whole) drafts.set(number, { base: whole });
    else applyDelta(draft!, delta!);
  }

  /** The journal, read (and locked) first if it is not open; call inside `serial`. */
  const opened = async (): Promise<Journal> => {
    journal ??= await load();
    return journal;
  };

  /** Closes the appender, fsyncing first what `{ everyMs }` left unsynced; call inside `serial`. */
  async function closeAppender(): Promise<void> {
    if (syncTimer !== undefined) clearTimeout(syncTimer);
    syncTimer = undefined;
    const fd = appender;
    appender = undefined;
    if (fd === undefined) return;
    try {
      if (unsynced) await fd_(fdatasync, fd);
      unsynced = false;
    } finally {
      await fd_(closeFd, fd);
    }
  }

  /** With `{ everyMs }`: an fsync of what was written, `everyMs` after the first unsynced write. */
  function scheduleSync(everyMs: number): void {
    unsynced = true;
    if (syncTimer !== undefined) return;
    syncTimer = setTimeout(() => {
      syncTimer = undefined;
      void serial(async () => {
        if (!unsynced || appender === undefined) return;
        unsynced = false;
        await fd_(fdatasync, appender);
      }).catch((error: unknown) => onWarning(`${where}: fsync failed: ${reason(error)}`));
    }, everyMs);
    // Pending syncs do not keep the process alive: at exit the records are with the OS already.
    syncTimer.unref?.();
  }

  async function append(j: Journal, record: JournalRecord): Promise<void> {
    const data = Buffer.from(`${serialise(where, record)}\n`, 'utf8');
    try {
      const created = j.size === 0;
      appender ??= await new Promise<number>((ok, fail) =>
        openFd(path, 'a', (error, fd) => (error ? fail(error) : ok(fd))),
      );
      const fd = appender;
      // A synchronous write: a record of a few hundred bytes reaches the OS's cache in
      // microseconds, ten times faster than a round trip through libuv's thread pool; the
      // fsync, the slow part, stays asynchronous.
      let done = 0;
      while (done < data.length) done += writeSync(fd, data, done, data.length - done);
      if (fsync === 'always') await fd_(fdatasync, fd);
      else if (fsync !== 'never') scheduleSync(fsync.everyMs);
      if (created && fsync !== 'never') await syncDirectory(dirname(path));
    } catch (error) {
      await closeAppender().catch(() => undefined);
      await truncate(path, j.size).catch(() => undefined);
      throw new Error(`${where}: could not append to the journal: ${reason(error)}`, {
        cause: error,
      });
    }
    j.size += data.length;
  }

  const writable = (what: string) => {
    if (readOnly) throw new Error(`${where}: opened read-only, so it cannot ${what}`);
  };

  return {
    openStudy(meta) {
      return serial(async () => {
        const j = await opened();
        if (j.meta !== undefined) {
          if (meta.loadIfExists === false) throw new StudyExistsError(where, 'a study');
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
    async createTrial(trial, options) {
      writable('create a trial');
      return serial(async () => {
        const j = await opened();
        if (j.meta === undefined) {
          throw new Error(
            `${where}: openStudy() must come before the first trial (createStudy calls it)`,
          );
        }
        const max = options?.maxTrials;
        if (max !== undefined && trial.retryOf === undefined && j.trials.size - j.retries >= max) {
          return undefined;
        }
        const created = createdTrial(j.trials.size, trial);
        await append(j, { op: 'create', trial: created });
        j.trials.set(created.number, created);
        if (created.retryOf !== undefined) j.retries++;
        return created;
      });
    },
    async updateTrial(number, change) {
      writable(`update trial ${show(number)}`);
      await serial(async () => {
        const j = await opened();
        const old = j.trials.get(number);
        if (old === undefined) throw new Error(`${where}: no trial ${number} to update`);
        if (old.state !== 'running') throw new TrialFinishedError(where, number, old.state);
        const now = applyChange(old, change);
        const record = updateRecord(old, now);
        if (record !== undefined) await append(j, record);
        j.trials.set(number, now);
      });
    },
    getTrials(options) {
      return serial(async () => {
        const { trials } = await opened();
        // Numbers run 0…size−1 (the journal allocates them), so the map reads as an array.
        return selectTrials(
          Array.from({ length: trials.size }, (_, n) => trials.get(n)!),
          options,
        );
      });
    },
    getStudy() {
      return serial(async () => {
        const { meta } = await opened();
        return meta === undefined ? undefined : { ...meta };
      });
    },
    close() {
      return serial(async () => {
        journal = undefined;
        try {
          await closeAppender();
        } finally {
          await release();
        }
      });
    },
  };
}

/** `call(fd, callback)` as a promise (fdatasync, close). */
function fd_(call: (fd: number, done: (error: Error | null) => void) => void, fd: number) {
  return new Promise<void>((ok, fail) => call(fd, (error) => (error ? fail(error) : ok())));
}

/** `options.fsync` as 'always', 'never' or `{ everyMs }`; throws naming a bad value. */
function syncPolicy(fsync: FileStorageOptions['fsync']): 'always' | 'never' | { everyMs: number } {
  if (fsync === undefined || fsync === true || fsync === 'always') return 'always';
  if (fsync === false || fsync === 'never') return 'never';
  const everyMs = (fsync as { everyMs?: unknown } | null)?.everyMs;
  if (
    typeof fsync === 'object' &&
    typeof everyMs === 'number' &&
    Number.isFinite(everyMs) &&
    everyMs > 0
  ) {
    return { everyMs };
  }
  throw new TypeError(
    `fileStorage: fsync (${show(fsync)}) must be 'always' (or true), 'never' (or false) or { everyMs } with everyMs a number > 0`,
  );
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

/** The journal locks this process holds, by absolute path: their content and how many storages share each. */
const locks = new Map<string, { content: string; users: number }>();
let exitHook = false;

/** On 'exit': removes this process's lock files (synchronously: nothing async runs then). */
function removeLocks(): void {
  for (const [file, { content }] of locks) {
    try {
      if (readFileSync(file, 'utf8') === content) unlinkSync(file);
    } catch {
      // Already gone, or unreadable: nothing to remove.
    }
  }
  locks.clear();
}

/** Whether process `pid` runs on this host (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return code(error) !== 'ESRCH';
  }
}

/** A lock file's holder, or undefined when its content is not one (still being written, or foreign). */
function parseLock(text: string): { pid: number; host: string; since: string } | undefined {
  try {
    const { pid, host, since } = JSON.parse(text);
    if (Number.isSafeInteger(pid) && pid > 0 && typeof host === 'string') {
      return { pid, host, since: String(since) };
    }
  } catch {
    // Not JSON: handled below.
  }
  return undefined;
}

/** How many times opening tries to take a lock that is being taken over before giving up. */
const LOCK_ATTEMPTS = 100;

/** A pause of 2–10 ms, between tries while another process takes over a stale lock. */
const pause = () => new Promise((done) => setTimeout(done, 2 + Math.random() * 8));

/** The content of a lock file this process writes now: `{"pid","host","since"}` and a newline. */
const lockContent = () =>
  `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() })}\n`;

/**
 * Creates `file` holding `content` if no file of that name exists, and says whether it did. The
 * content is written to a file of its own first and then hard-linked to the name, so no one ever
 * reads the lock half written; where hard links are not supported, `wx` creates it.
 */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const draft = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(draft, content, { flag: 'wx' });
    try {
      await link(draft, file);
      return true;
    } catch (error) {
      if (code(error) === 'EEXIST') return false;
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(String(code(error)))) throw error;
    } finally {
      await unlink(draft).catch(() => undefined);
    }
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await writeFile(file, content, { flag: 'wx' });
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  }
}

/** Whether the holder a lock file names has stopped: a process of this host that no longer runs. */
function isGone(holder: { pid: number; host: string }): boolean {
  return holder.host === hostname() && (holder.pid === process.pid || !isRunning(holder.pid));
}

/**
 * Removes the lock file `file` if it still holds `stale` (a lock whose holder is gone), as the only
 * process doing so. Checking the content and unlinking are two steps, so another process could
 * put its fresh lock in place in between, and two processes would each think they hold the
 * journal. So only the process that exclusively created `<file>.takeover` may remove a stale lock,
 * and it reads the lock again once it holds that token: no other process removes a lock while the
 * token exists, and a fresh lock is never stale. A token whose holder is gone (it was killed
 * mid-takeover) is itself removed this way, one level up. Resolves to true when this process
 * looked under the token (whether or not the lock was still the stale one), to the token's holder
 * when another process holds it (try again shortly), or to its raw text when that names no holder.
 */
async function removeStale(
  file: string,
  stale: string,
  depth = 0,
): Promise<true | { token: string; text: string }> {
  const token = `${file}.takeover`;
  const mine = lockContent();
  if (!(await createExclusive(token, mine))) {
    const text = await readFile(token, 'utf8').catch(() => undefined);
    if (text === undefined) return { token, text: '' }; // done meanwhile: try again
    const holder = parseLock(text);
    // This process takes over one lock at a time (see `taking`): a token with its pid is an older one's.
    if (holder !== undefined && isGone(holder) && depth < 3)
      await removeStale(token, text, depth + 1);
    return { token, text };
  }
  try {
    if ((await readFile(file, 'utf8').catch(() => undefined)) === stale) {
      await unlink(file).catch(() => undefined);
    }
  } finally {
    // Nobody else removes a token whose holder runs: it is still ours.
    await unlink(token).catch(() => undefined);
  }
  return true;
}

/** Lock files this process is taking now: a second storage on the same journal waits for the first. */
const taking = new Map<string, Promise<unknown>>();

/**
 * Takes the lock of the journal at `path`: creates `<path>.lock` exclusively holding
 * `{"pid","host","since"}`, or shares the one this process holds. A lock held by a running process,
 * or by any process on another host, throws naming the lock file and its holder; one whose
 * process no longer runs on this host is taken over with a warning — atomically: of processes
 * starting together on a stale lock exactly one gets it (see {@link removeStale}), the others
 * fail naming it. Resolves to the lock's path.
 */
async function lockJournal(
  path: string,
  where: string,
  warn: (message: string) => void,
): Promise<string> {
  const file = resolve(`${path}.lock`);
  for (let before = taking.get(file); before !== undefined; before = taking.get(file)) {
    await before.catch(() => undefined);
  }
  const mine = locks.get(file);
  if (mine !== undefined) {
    mine.users++;
    return file;
  }
  const take = takeLock(file, where, warn);
  taking.set(file, take);
  try {
    return await take;
  } finally {
    taking.delete(file);
  }
}

async function takeLock(
  file: string,
  where: string,
  warn: (message: string) => void,
): Promise<string> {
  /** The holder of a stale lock this process removed, for the warning once it holds the lock. */
  let tookOver: string | undefined;
  let busy: { token: string; text: string } | undefined;
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    const content = lockContent();
    let created: boolean;
    try {
      created = await createExclusive(file, content);
    } catch (error) {
      throw new Error(`${where}: cannot create the lock file ${file}: ${reason(error)}`, {
        cause: error,
      });
    }
    if (created) {
      locks.set(file, { content, users: 1 });
      if (!exitHook) {
        process.on('exit', removeLocks);
        exitHook = true;
      }
      if (tookOver !== undefined) {
        warn(
          `${where}: took over the stale lock ${file} of ${tookOver}, which is no longer running`,
        );
      }
      return file;
    }
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (code(error) === 'ENOENT') continue; // released meanwhile: try again
      throw new Error(`${where}: cannot read the lock file ${file}: ${reason(error)}`, {
        cause: error,
      });
    }
    const holder = parseLock(text);
    if (holder === undefined) {
      throw new Error(
        `${where} is locked by ${file}, which does not say who holds it (${show(text.slice(0, 80))}): another process may be creating it; remove it if no process is using the journal`,
      );
    }
    const who = `process ${holder.pid} on ${holder.host} (since ${holder.since})`;
    // This pid on this host but not in `locks`: a process before this one had the same pid.
    if (!isGone(holder)) {
      throw new Error(
        `${where} is in use: its lock file ${file} says ${who} is writing it; one process at a time writes a journal (remove the lock file only if that process is gone)`,
      );
    }
    const removed = await removeStale(file, text);
    if (removed === true) {
      tookOver = who;
      busy = undefined;
    } else {
      busy = removed;
      await pause();
    }
  }
  if (busy !== undefined && busy.text !== '') {
    const holder = parseLock(busy.text);
    const who =
      holder === undefined
        ? `it does not say who holds it (${show(busy.text.slice(0, 80))})`
        : `process ${holder.pid} on ${holder.host} (since ${holder.since}) is taking it over`;
    throw new Error(
      `${where}: could not take over the stale lock ${file}: ${busy.token} says ${who}; remove ${busy.token} if no process is opening the journal`,
    );
  }
  throw new Error(`${where}: could not take the lock ${file}: other processes kept taking it`);
}

/** Gives back a lock taken by {@link lockJournal}; the last user removes the file (if still ours). */
async function unlockJournal(file: string): Promise<void> {
  const mine = locks.get(file);
  if (mine === undefined || --mine.users > 0) return;
  locks.delete(file);
  if ((await readFile(file, 'utf8').catch(() => undefined)) === mine.content) {
    await unlink(file).catch(() => undefined);
  }
}
