import { createStudy, STALE_TRIAL_ERROR } from '@webtune/core';
import { describeStorageConformance } from '@webtune/core/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStorage } from './postgresStorage.js';
import { migrateSchema, SCHEMA_VERSION } from './schema.js';
import { PG_URL, testDatabase } from './testDatabase.js';

const space = {
  x: { type: 'float', low: -5, high: 5 },
  opt: { type: 'categorical', choices: ['adam', 'sgd'] },
} as const;

const strategy = () => ({
  name: 'fixed',
  async suggest({ count }: { count: number }) {
    return Array.from({ length: count }, (_, i) => ({ x: i / 10, opt: 'adam' }));
  },
});

describe.skipIf(PG_URL === undefined)('postgresStorage', () => {
  let db: Awaited<ReturnType<typeof testDatabase>>;
  beforeAll(async () => {
    db = await testDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  let studies = 0;
  describeStorageConformance(
    'postgresStorage',
    {
      fresh: () => `conformance-${studies++}`,
      open: () => postgresStorage(db.url, { poolSize: 2, onWarning: () => {} }),
      writers: true,
    },
    { timeout: 30_000 },
  );

  it('keeps many studies apart by name; a study needs a name', async () => {
    const storage = postgresStorage(db.url, { onWarning: () => {} });
    try {
      for (const studyName of ['alpha', 'beta']) {
        const study = createStudy({ space, strategy: strategy(), studyName, storage });
        await study.optimize((p) => p.x as number, { trials: studyName === 'alpha' ? 2 : 3 });
      }
      const listed = (await storage.listStudies()).filter((s) =>
        ['alpha', 'beta'].includes(s.name),
      );
      expect(listed.map((s) => [s.name, s.trials, s.direction, s.strategy])).toEqual([
        ['alpha', 2, 'minimize', 'fixed'],
        ['beta', 3, 'minimize', 'fixed'],
      ]);
      expect((await storage.readStudy('beta'))?.trials.map((t) => t.state)).toEqual([
        'complete',
        'complete',
        'complete',
      ]);
      expect(await storage.readStudy('nope')).toBeUndefined();
      await expect(createStudy({ space, strategy: strategy(), storage }).load()).rejects.toThrow(
        "a study needs a name here, as Optuna's study_name",
      );
    } finally {
      await storage.close();
    }
  });

  it('fails a trial whose worker stopped sending heartbeats, once, naming the worker; the study retries it', async () => {
    const dead = postgresStorage(db.url, { heartbeatMs: 50, graceMs: 400 });
    const a = createStudy({ space, strategy: strategy(), studyName: 'stale', storage: dead });
    const lost = (await a.ask())!;
    await dead.close(); // its heartbeats stop, trial 0 stays running
    const live = [0, 1, 2].map(() =>
      postgresStorage(db.url, { heartbeatMs: 50, graceMs: 400, onWarning: () => {} }),
    );
    try {
      for (const s of live)
        await s.openStudy({
          direction: 'minimize',
          space,
          strategy: 'fixed',
          seed: 0,
          name: 'stale',
        });
      expect(await live[0]!.failStaleTrials()).toEqual([]);
      await new Promise((r) => setTimeout(r, 700));
      const found = await Promise.all(live.map((s) => s.failStaleTrials()));
      expect(found.flat().map((t) => t.number)).toEqual([0]);
      const [failed] = found.flat();
      expect(failed?.state).toBe('failed');
      expect(failed?.error).toMatch(
        /^stale: no heartbeat from its worker .+ pid \d+ for more than 0.4 s/,
      );
      expect(failed?.error).not.toBe(STALE_TRIAL_ERROR);
      // A study on the storage that noticed would run it again, as a retry of trial 0.
      const retry = await live[1]!.createTrial(
        { params: lost.params, startedAt: 0, retryOf: 0 },
        { maxTrials: 1 },
      );
      expect([retry?.number, retry?.retryOf]).toEqual([1, 0]);
    } finally {
      for (const s of live) await s.close();
    }
  });

  it('a running worker heartbeats its trials: they are not stale past the grace period', async () => {
    const storage = postgresStorage(db.url, { heartbeatMs: 50, graceMs: 300, onWarning: () => {} });
    const other = postgresStorage(db.url, { heartbeatMs: 50, graceMs: 300, onWarning: () => {} });
    try {
      const study = createStudy({ space, strategy: strategy(), studyName: 'alive', storage });
      const trial = (await study.ask())!;
      await other.openStudy({
        direction: 'minimize',
        space,
        strategy: 'fixed',
        seed: 0,
        name: 'alive',
      });
      await new Promise((r) => setTimeout(r, 700));
      expect(await other.failStaleTrials()).toEqual([]);
      await study.tell(trial, 1);
      const workers = await other.workers('alive');
      expect(workers).toHaveLength(2);
      expect(workers.every((w) => w.pid === process.pid && Date.now() - w.heartbeatAt < 5000)).toBe(
        true,
      );
    } finally {
      await storage.close();
      await other.close();
    }
  });
});

describe.skipIf(PG_URL === undefined)('the schema', () => {
  it('creates the schema, migrates an older one keeping its studies, refuses a newer one', async () => {
    const db = await testDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    try {
      expect(await migrateSchema(pool, 1)).toBe(0);
      await pool.query(
        `INSERT INTO webtune_studies (name, direction, space, strategy, seed, next_number) VALUES ('old', 'maximize', $1, 'random', 3, 1)`,
        [JSON.stringify(space)],
      );
      await pool.query(
        `INSERT INTO webtune_trials (study_id, number, params, state, value, started_at, duration_ms)
         SELECT id, 0, '{"x":1,"opt":"sgd"}', 'complete', 2.5, 1000, 3 FROM webtune_studies`,
      );
      // A storage on the old schema migrates it and reads the study written before.
      const storage = postgresStorage(pool, { onWarning: () => {} });
      const study = createStudy({
        space,
        strategy: strategy(),
        direction: 'maximize',
        studyName: 'old',
        storage,
      });
      const { trials } = await study.load();
      expect(trials.map((t) => [t.number, t.state, t.value, t.params])).toEqual([
        [0, 'complete', 2.5, { x: 1, opt: 'sgd' }],
      ]);
      expect((await pool.query('SELECT version FROM webtune_schema')).rows).toEqual([
        { version: SCHEMA_VERSION },
      ]);
      await study.optimize((p) => p.x as number, { trials: 1 });
      expect(study.trials.map((t) => t.number)).toEqual([0, 1]);
      await storage.close();

      await pool.query('UPDATE webtune_schema SET version = $1', [SCHEMA_VERSION + 1]);
      const newer = postgresStorage(pool);
      await expect(
        createStudy({ space, strategy: strategy(), studyName: 'old', storage: newer }).load(),
      ).rejects.toThrow(
        `the database's webtune schema is version ${SCHEMA_VERSION + 1}, newer than this @webtune/storage-postgres knows (${SCHEMA_VERSION})`,
      );
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('resuming another direction or space is the named error the journal gives; loadIfExists: false refuses', async () => {
    const db = await testDatabase();
    const storage = postgresStorage(db.url, { onWarning: () => {} });
    try {
      await createStudy({ space, strategy: strategy(), studyName: 's', storage }).optimize(
        (p) => p.x as number,
        { trials: 1 },
      );
      await expect(
        createStudy({
          space,
          strategy: strategy(),
          studyName: 's',
          direction: 'maximize',
          storage,
        }).load(),
      ).rejects.toThrow(
        `postgresStorage: ${new URL(db.url).protocol}//${new URL(db.url).host}${new URL(db.url).pathname} study "s" holds a study with direction "minimize", but this study's direction is "maximize"`,
      );
      await expect(
        createStudy({
          space: { x: space.x },
          strategy: strategy(),
          studyName: 's',
          storage,
        }).load(),
      ).rejects.toThrow('holds a study with a different space (opt only in the stored study)');
      await expect(
        createStudy({
          space,
          strategy: strategy(),
          studyName: 's',
          loadIfExists: false,
          storage,
        }).load(),
      ).rejects.toThrow('already holds the study "s"; pass loadIfExists: true');
    } finally {
      await storage.close();
      await db.drop();
    }
  });

  it('validates its arguments up front, naming them', () => {
    expect(() => postgresStorage('mysql://x')).toThrow(
      'postgresStorage: the connection string (mysql://x) must start with postgres:// or postgresql://',
    );
    expect(() => postgresStorage('postgres://h/db', { graceMs: 0 })).toThrow(
      'postgresStorage: graceMs (0) must be a number > 0',
    );
    expect(() => postgresStorage(42 as never)).toThrow(
      'postgresStorage: target (42) must be a connection string',
    );
  });
});
