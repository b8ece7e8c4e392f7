import { hostname } from 'node:os';
import {
  checkStudyMeta,
  type FrozenTrial,
  type GetTrialsOptions,
  type OpenStudy,
  parseStudyMeta,
  parseTrial,
  type Storage,
  StudyExistsError,
  type StudyMeta,
  TrialFinishedError,
  type TrialState,
} from '@webtune/core';
import pg from 'pg';
import { migrateSchema } from './schema.js';

/** Options of {@link postgresStorage}. */
export interface PostgresStorageOptions {
  /**
   * How often this worker records that it is alive and that its running trials still run
   * (milliseconds). Default 10,000.
   */
  heartbeatMs?: number;
  /**
   * A running trial whose heartbeat is older than this (milliseconds) is stale: its worker has
   * stopped. Whoever notices fails it (and the study retries its configuration once). Keep it
   * several heartbeats long, and longer than the longest the event loop may be blocked (a
   * synchronous model fit). Default 60,000.
   */
  graceMs?: number;
  /**
   * How long an operation that lost its connection (the server restarted, the network dropped)
   * keeps retrying before it throws (milliseconds). Every write is one statement, so a retried
   * one is either whole or absent. Default 60,000.
   */
  reconnectMs?: number;
  /** Connections in the pool this storage makes from a connection string. Default 4. */
  poolSize?: number;
  /** Receives warnings: a lost connection being retried, another strategy than the stored one. Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** A worker that opened a study, as `workers()` lists it. */
export interface WorkerInfo {
  id: number;
  host: string;
  pid: number;
  /** Milliseconds since the Unix epoch, by the database's clock. */
  startedAt: number;
  heartbeatAt: number;
  /** Numbers of its trials still running. */
  running: number[];
}

/** A study stored in the database, as `listStudies()` lists it. */
export interface StoredStudy extends StudyMeta {
  name: string;
  trials: number;
}

/** The storage {@link postgresStorage} returns: a concurrent `Storage` and read-only views of any study. */
export interface PostgresStorage extends Storage {
  readonly concurrent: true;
  openStudy(study: OpenStudy): Promise<void>;
  failStaleTrials(): Promise<FrozenTrial[]>;
  /** Every study in the database, by name. */
  listStudies(): Promise<StoredStudy[]>;
  /** Study `name` and its trials (running ones as they are), or undefined when there is none. Opens no study. */
  readStudy(name: string): Promise<{ meta: StudyMeta; trials: FrozenTrial[] } | undefined>;
  /** The workers that opened study `name`, newest first. */
  workers(name: string): Promise<WorkerInfo[]>;
  /** Stops the heartbeat and, when the storage made its pool, closes it. */
  close(): Promise<void>;
}

/** Connection failures worth retrying: the server went away or is starting. */
const LOST = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH']);

function isConnectionLost(error: unknown): boolean {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  if (LOST.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(code)) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection ended|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** `postgres://host:port/db` of a connection string, without user and password. */
function describe(target: string): string {
  try {
    const url = new URL(target);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'the database';
  }
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`postgresStorage: ${name} (${String(value)}) must be a number > 0`);
  }
  return value;
}

interface TrialRow {
  number: number;
  params: Record<string, unknown>;
  state: TrialState;
  value: number | null;
  error: string | null;
  started_at: number;
  duration_ms: number | null;
  retry_of: number | null;
  intermediate: [number, number][] | null;
  attrs: Record<string, unknown> | null;
}

const TRIAL_COLUMNS = `t.number, t.params, t.state, t.value, t.error, t.started_at, t.duration_ms, t.retry_of,
  (SELECT json_agg(json_build_array(v.step, v.value) ORDER BY v.id) FROM webtune_trial_values v
    WHERE v.study_id = t.study_id AND v.number = t.number) AS intermediate,
  (SELECT json_object_agg(a.key, a.value) FROM webtune_trial_attrs a
    WHERE a.study_id = t.study_id AND a.number = t.number) AS attrs`;

function toTrial(row: TrialRow): FrozenTrial {
  return parseTrial({
    number: row.number,
    params: row.params,
    state: row.state,
    value: row.value ?? undefined,
    error: row.error ?? undefined,
    intermediate: (row.intermediate ?? []).map(([step, value]) => ({ step, value })),
    userAttrs: row.attrs ?? {},
    startedAt: row.started_at,
    durationMs: row.duration_ms ?? undefined,
    retryOf: row.retry_of ?? undefined,
  });
}

/**
 * A study storage on PostgreSQL (Optuna: RDBStorage), for Node: any number of workers on any
 * number of machines share one study. `target` is a connection string (`postgres://user:pass@host:
 * 5432/db`; the storage makes a pool of `poolSize` connections and closes it on `close()`) or a
 * `pg.Pool` the caller owns.
 *
 * The tables (`webtune_*`) are created on first use and versioned (`webtune_schema`): an older
 * version is migrated, a newer one is an error. A database holds many studies, by name: the
 * study's `studyName` (`createStudy({ storage, studyName, loadIfExists })`) picks it, and it is
 * created with its direction, space, strategy and seed, or resumed (another direction or space
 * throws, naming both values, as the journal does; `loadIfExists: false` throws StudyExistsError).
 *
 * Each write is one statement, so it is whole or absent: a trial's number is allocated by
 * incrementing the study's counter in the statement that inserts the trial (unique and gap-free
 * under any number of workers, since the counter's row lock orders them); a change to a trial
 * applies only while it runs (a finished trial throws TrialFinishedError); intermediate values and
 * user attributes are rows. Reads return what changed since a worker's last read (`getTrials({
 * from, numbers })`). Every `heartbeatMs` the worker updates its row and its running trials'
 * heartbeats; `failStaleTrials()` fails running trials whose heartbeat is older than `graceMs`
 * (each by exactly one caller). Times compared are the database's, so workers' clocks may differ.
 * A lost connection is retried for `reconnectMs`, then the operation throws naming the database.
 */
export function postgresStorage(
  target: string | pg.Pool,
  options: PostgresStorageOptions = {},
): PostgresStorage {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`postgresStorage: options (${String(options)}) must be an object`);
  }
  const owned = typeof target === 'string';
  if (!owned && !(target instanceof pg.Pool)) {
    throw new TypeError(
      `postgresStorage: target (${String(target)}) must be a connection string (postgres://…) or a pg.Pool`,
    );
  }
  if (owned && !/^postgres(ql)?:\/\//.test(target)) {
    throw new TypeError(
      `postgresStorage: the connection string (${describe(target)}) must start with postgres:// or postgresql://`,
    );
  }
  const heartbeatMs = positive('heartbeatMs', options.heartbeatMs, 10_000);
  const graceMs = positive('graceMs', options.graceMs, 60_000);
  const reconnectMs = positive('reconnectMs', options.reconnectMs, 60_000);
  const poolSize = positive('poolSize', options.poolSize, 4);
  const onWarning = options.onWarning ?? ((m: string) => console.warn(m));
  if (typeof onWarning !== 'function') {
    throw new TypeError('postgresStorage: onWarning must be a function');
  }
  const where = `postgresStorage: ${owned ? describe(target) : 'the pool given'}`;

  let pool: pg.Pool | undefined;
  let ready: Promise<void> | undefined;
  let study: { id: number; name: string; worker: number } | undefined;
  /** This worker's running trials: their heartbeats are kept. */
  const mine = new Set<number>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let beating = false;
  let closed = false;
  /** Set while an outage is being retried: one warning per outage. */
  let outage = false;

  const getPool = (): pg.Pool => {
    if (pool !== undefined) return pool;
    if (!owned) return (pool = target);
    pool = new pg.Pool({ connectionString: target, max: Math.round(poolSize) });
    // An idle connection the server drops must not end the process; the next query reconnects.
    pool.on('error', () => undefined);
    return pool;
  };

  /** Runs `op`, retrying it while the connection is lost, for up to `reconnectMs`. */
  async function retrying<T>(what: string, op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + reconnectMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await op();
        if (outage) onWarning(`${where}: reconnected (${what})`);
        outage = false;
        return result;
      } catch (error) {
        if (!isConnectionLost(error) || closed) throw error;
        if (Date.now() >= deadline) {
          throw new Error(
            `${where}: lost the database and could not reconnect within ${reconnectMs / 1000} s (${what}): ${reason(error)}`,
            { cause: error },
          );
        }
        if (!outage) {
          onWarning(
            `${where}: lost the connection (${reason(error)}); retrying for up to ${reconnectMs / 1000} s`,
          );
        }
        outage = true;
        await sleep(Math.min(100 * 2 ** attempt, 2000));
      }
    }
  }

  const query = <R extends pg.QueryResultRow>(what: string, text: string, values: unknown[] = []) =>
    retrying(what, () => getPool().query<R>(text, values));

  const schema = (): Promise<void> => {
    ready ??= retrying('creating the schema', () => migrateSchema(getPool())).then(
      () => undefined,
      (error: unknown) => {
        ready = undefined;
        throw new Error(`${where}: ${reason(error)}`, { cause: error });
      },
    );
    return ready;
  };

  const opened = () => {
    if (study === undefined) {
      throw new Error(
        `${where}: openStudy() must come before trials are read or written (createStudy calls it)`,
      );
    }
    return study;
  };

  async function beat(): Promise<void> {
    if (beating || study === undefined) return;
    beating = true;
    try {
      await getPool().query(
        `WITH w AS (UPDATE webtune_workers SET heartbeat_at = now() WHERE id = $1)
         UPDATE webtune_trials SET heartbeat_at = now()
         WHERE study_id = $2 AND number = ANY($3::integer[]) AND state = 'running'`,
        [study.worker, study.id, [...mine]],
      );
    } catch {
      // The next beat tries again; operations report the lost connection themselves.
    } finally {
      beating = false;
    }
  }

  async function readTrials(studyId: number, from: number, numbers: readonly number[]) {
    const { rows } = await query<TrialRow>(
      'reading trials',
      `SELECT ${TRIAL_COLUMNS} FROM webtune_trials t
       WHERE t.study_id = $1 AND (t.number >= $2 OR t.number = ANY($3::integer[]))
       ORDER BY t.number`,
      [studyId, from, numbers],
    );
    return rows.map(toTrial);
  }

  async function studyRow(name: string) {
    const { rows } = await query<{
      id: number;
      direction: string;
      space: unknown;
      strategy: string;
      seed: string;
    }>(
      'reading the study',
      'SELECT id, direction, space, strategy, seed FROM webtune_studies WHERE name = $1',
      [name],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return { id: row.id, meta: parseStudyMeta({ ...row, seed: Number(row.seed) }) };
  }

  return {
    concurrent: true,

    async openStudy(meta) {
      const name = meta.name;
      if (typeof name !== 'string' || name === '') {
        throw new Error(
          `${where}: a study needs a name here, as Optuna's study_name: createStudy({ storage, studyName: 'my-study' }) (webtune --study NAME)`,
        );
      }
      closed = false;
      await schema();
      const stored = {
        direction: meta.direction,
        space: meta.space,
        strategy: meta.strategy,
        seed: meta.seed,
      };
      const { rows } = await query<{ id: number }>(
        'creating the study',
        `INSERT INTO webtune_studies (name, direction, space, strategy, seed) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [name, meta.direction, JSON.stringify(meta.space), meta.strategy, meta.seed],
      );
      let id = rows[0]?.id;
      if (id === undefined) {
        const existing = await studyRow(name);
        if (existing === undefined)
          throw new Error(`${where}: study "${name}" vanished while opening it`);
        if (meta.loadIfExists === false) throw new StudyExistsError(where, `the study "${name}"`);
        // Workers draw from seeds of their own (else they would suggest alike): no warning for it.
        checkStudyMeta(
          `${where} study "${name}"`,
          existing.meta,
          { ...stored, seed: existing.meta.seed },
          onWarning,
        );
        id = existing.id;
      }
      const worker = await query<{ id: number }>(
        'registering the worker',
        'INSERT INTO webtune_workers (study_id, host, pid) VALUES ($1, $2, $3) RETURNING id',
        [id, hostname(), process.pid],
      );
      study = { id, name, worker: worker.rows[0]!.id };
      if (timer === undefined) {
        timer = setInterval(() => void beat(), heartbeatMs);
        // Heartbeats do not keep the process alive.
        timer.unref?.();
      }
    },

    async createTrial(trial, createOptions) {
      const { id, worker } = opened();
      const max = createOptions?.maxTrials;
      const retry = trial.retryOf === undefined ? 0 : 1;
      const { rows } = await query<{ number: number }>(
        'creating a trial',
        `WITH n AS (
           UPDATE webtune_studies SET next_number = next_number + 1, retries = retries + $3
           WHERE id = $1 AND ($2::integer IS NULL OR $3 = 1 OR next_number - retries < $2)
           RETURNING next_number - 1 AS number
         )
         INSERT INTO webtune_trials (study_id, number, params, state, started_at, retry_of, worker_id, heartbeat_at)
         SELECT $1, n.number, $4, 'running', $5, $6, $7, now() FROM n
         RETURNING number`,
        [
          id,
          max ?? null,
          retry,
          JSON.stringify(trial.params),
          trial.startedAt,
          trial.retryOf ?? null,
          worker,
        ],
      );
      const number = rows[0]?.number;
      if (number === undefined) return undefined;
      mine.add(number);
      return parseTrial({
        number,
        params: trial.params,
        state: 'running',
        intermediate: [],
        userAttrs: {},
        startedAt: trial.startedAt,
        ...(trial.retryOf === undefined ? {} : { retryOf: trial.retryOf }),
      });
    },

    async updateTrial(number, change) {
      const { id } = opened();
      const sets = ['heartbeat_at = now()'];
      const values: unknown[] = [id, number];
      const finishing = {
        state: change.state,
        value: change.value,
        error: change.error,
        duration_ms: change.durationMs,
      };
      for (const [column, v] of Object.entries(finishing)) {
        if (v === undefined) continue;
        values.push(v);
        sets.push(`${column} = $${values.length}`);
      }
      const reports = change.intermediate ?? [];
      const attrs = Object.entries(change.userAttrs ?? {});
      values.push(
        reports.map((r) => r.step),
        reports.map((r) => r.value),
        attrs.map(([k]) => k),
        attrs.map(([key, v]) => {
          const text = JSON.stringify(v);
          if (text === undefined)
            throw new TypeError(
              `${where}: trial ${number}: user attribute ${JSON.stringify(key)} is not a JSON value`,
            );
          return text;
        }),
      );
      const n = values.length;
      const { rows } = await query<{ changed: number }>(
        `updating trial ${number}`,
        `WITH u AS (
           UPDATE webtune_trials SET ${sets.join(', ')}
           WHERE study_id = $1 AND number = $2 AND state = 'running' RETURNING number
         ), v AS (
           INSERT INTO webtune_trial_values (study_id, number, step, value)
           SELECT $1, u.number, s.step, s.value
           FROM u, unnest($${n - 3}::integer[], $${n - 2}::double precision[]) WITH ORDINALITY AS s(step, value, i)
           ORDER BY s.i
           ON CONFLICT (study_id, number, step) DO NOTHING
         ), a AS (
           INSERT INTO webtune_trial_attrs (study_id, number, key, value)
           SELECT $1, u.number, x.key, x.value::json FROM u, unnest($${n - 1}::text[], $${n}::text[]) AS x(key, value)
           ON CONFLICT (study_id, number, key) DO UPDATE SET value = excluded.value
         )
         SELECT count(*)::integer AS changed FROM u`,
        values,
      );
      if (change.state !== undefined) mine.delete(number);
      if (rows[0]?.changed === 1) return;
      mine.delete(number);
      const found = await query<{ state: string }>(
        `reading trial ${number}`,
        'SELECT state FROM webtune_trials WHERE study_id = $1 AND number = $2',
        [id, number],
      );
      const state = found.rows[0]?.state;
      if (state === undefined) throw new Error(`${where}: no trial ${number} to update`);
      throw new TrialFinishedError(where, number, state);
    },

    async getTrials(read?: GetTrialsOptions) {
      const { id } = opened();
      const everything =
        read === undefined || (read.from === undefined && read.numbers === undefined);
      return readTrials(id, everything ? 0 : (read.from ?? 2 ** 31 - 1), read?.numbers ?? []);
    },

    async failStaleTrials() {
      const { id } = opened();
      const { rows } = await query<{ number: number }>(
        'failing stale trials',
        `UPDATE webtune_trials t SET state = 'failed',
           error = 'stale: no heartbeat from its worker ' || coalesce(
             (SELECT w.host || ' pid ' || w.pid FROM webtune_workers w WHERE w.id = t.worker_id), '(unknown)')
             || ' for more than ' || $2::text || ' s (the process stopped or lost the database)'
         WHERE t.study_id = $1 AND t.state = 'running'
           AND t.heartbeat_at < now() - make_interval(secs => $3)
         RETURNING t.number`,
        [id, String(graceMs / 1000), graceMs / 1000],
      );
      if (rows.length === 0) return [];
      const numbers = rows.map((r) => r.number);
      for (const n of numbers) mine.delete(n);
      return readTrials(id, 2 ** 31 - 1, numbers);
    },

    async listStudies() {
      await schema();
      const { rows } = await query<{
        name: string;
        direction: string;
        space: unknown;
        strategy: string;
        seed: string;
        trials: number;
      }>(
        'listing studies',
        'SELECT name, direction, space, strategy, seed, next_number AS trials FROM webtune_studies ORDER BY name',
      );
      return rows.map((r) => ({
        name: r.name,
        trials: r.trials,
        ...parseStudyMeta({ ...r, seed: Number(r.seed) }),
      }));
    },

    async readStudy(name) {
      await schema();
      const found = await studyRow(name);
      if (found === undefined) return undefined;
      return { meta: found.meta, trials: await readTrials(found.id, 0, []) };
    },

    async workers(name) {
      await schema();
      const { rows } = await query<{
        id: number;
        host: string;
        pid: number;
        started_at: Date;
        heartbeat_at: Date;
        running: number[] | null;
      }>(
        'reading the workers',
        `SELECT w.id, w.host, w.pid, w.started_at, w.heartbeat_at,
           (SELECT array_agg(t.number ORDER BY t.number) FROM webtune_trials t
             WHERE t.worker_id = w.id AND t.state = 'running') AS running
         FROM webtune_workers w JOIN webtune_studies s ON s.id = w.study_id
         WHERE s.name = $1 ORDER BY w.heartbeat_at DESC, w.id DESC`,
        [name],
      );
      return rows.map((r) => ({
        id: r.id,
        host: r.host,
        pid: r.pid,
        startedAt: r.started_at.getTime(),
        heartbeatAt: r.heartbeat_at.getTime(),
        running: r.running ?? [],
      }));
    },

    async close() {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      study = undefined;
      mine.clear();
      ready = undefined;
      const held = pool;
      pool = undefined;
      if (owned && held !== undefined) await held.end();
    },
  };
}
