import type pg from 'pg';

/** The schema version this package writes and reads. */
export const SCHEMA_VERSION = 2;

/** Any constant: the advisory lock that serialises schema changes across processes. */
const SCHEMA_LOCK = 0x77656274; // "webt"

/**
 * MIGRATIONS[v] takes a database at version v to v + 1. Version 1: studies by name, trials with
 * their intermediate values and user attributes as rows. Version 2: workers with heartbeats,
 * trial heartbeats and retries.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE webtune_studies (
     id serial PRIMARY KEY,
     name text NOT NULL UNIQUE,
     direction text NOT NULL CHECK (direction IN ('minimize', 'maximize')),
     space json NOT NULL,
     strategy text NOT NULL,
     seed bigint NOT NULL,
     next_number integer NOT NULL DEFAULT 0,
     created_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE TABLE webtune_trials (
     study_id integer NOT NULL REFERENCES webtune_studies (id) ON DELETE CASCADE,
     number integer NOT NULL,
     params json NOT NULL,
     state text NOT NULL CHECK (state IN ('running', 'complete', 'failed', 'pruned')),
     value double precision,
     error text,
     started_at double precision NOT NULL,
     duration_ms double precision,
     PRIMARY KEY (study_id, number)
   );
   CREATE TABLE webtune_trial_values (
     id bigserial PRIMARY KEY,
     study_id integer NOT NULL,
     number integer NOT NULL,
     step integer NOT NULL,
     value double precision NOT NULL,
     UNIQUE (study_id, number, step),
     FOREIGN KEY (study_id, number) REFERENCES webtune_trials ON DELETE CASCADE
   );
   CREATE TABLE webtune_trial_attrs (
     study_id integer NOT NULL,
     number integer NOT NULL,
     key text NOT NULL,
     value json NOT NULL,
     PRIMARY KEY (study_id, number, key),
     FOREIGN KEY (study_id, number) REFERENCES webtune_trials ON DELETE CASCADE
   );`,
  `CREATE TABLE webtune_workers (
     id serial PRIMARY KEY,
     study_id integer NOT NULL REFERENCES webtune_studies (id) ON DELETE CASCADE,
     host text NOT NULL,
     pid integer NOT NULL,
     started_at timestamptz NOT NULL DEFAULT now(),
     heartbeat_at timestamptz NOT NULL DEFAULT now()
   );
   ALTER TABLE webtune_studies ADD COLUMN retries integer NOT NULL DEFAULT 0;
   ALTER TABLE webtune_trials
     ADD COLUMN retry_of integer,
     ADD COLUMN worker_id integer REFERENCES webtune_workers (id) ON DELETE SET NULL,
     ADD COLUMN heartbeat_at timestamptz;
   CREATE INDEX webtune_trials_running ON webtune_trials (study_id, heartbeat_at)
     WHERE state = 'running';`,
];

/**
 * Creates the webtune tables in the database `pool` connects to, or migrates them from an older
 * version, up to `to` (default {@link SCHEMA_VERSION}), in one transaction under an advisory lock
 * (processes starting together migrate once). A database at a newer version than this package
 * knows is an error naming both versions. Resolves to the version found before.
 */
export async function migrateSchema(pool: pg.Pool, to = SCHEMA_VERSION): Promise<number> {
  if (!(Number.isSafeInteger(to) && to >= 1 && to <= SCHEMA_VERSION)) {
    throw new RangeError(
      `migrateSchema: to (${to}) must be an integer from 1 to ${SCHEMA_VERSION}`,
    );
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS webtune_schema (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM webtune_schema');
    const found = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO webtune_schema VALUES (0)');
    if (found > SCHEMA_VERSION) {
      throw new Error(
        `the database's webtune schema is version ${found}, newer than this @webtune/storage-postgres knows (${SCHEMA_VERSION}): upgrade @webtune/storage-postgres (every worker of a study must run it)`,
      );
    }
    for (let v = found; v < to; v++) await client.query(MIGRATIONS[v]!);
    if (to > found) await client.query('UPDATE webtune_schema SET version = $1', [to]);
    await client.query('COMMIT');
    return found;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
