import pg from 'pg';

/*
 * Tests only: a database of its own on the server WEBTUNE_PG_URL names (.ci/run starts a
 * throw-away cluster and sets it), dropped when done.
 */

/** The server the tests use; undefined when none was given (the tests then skip, saying so). */
export const PG_URL = process.env.WEBTUNE_PG_URL || undefined;

if (PG_URL === undefined) {
  console.warn(
    'storage-postgres: WEBTUNE_PG_URL is not set, so the PostgreSQL tests are skipped (.ci/run starts a server and sets it)',
  );
}

/** A new, empty database on the server; `drop()` removes it (closing its connections first). */
export async function testDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `webtune_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: PG_URL });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}
