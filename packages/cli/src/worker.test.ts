import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { postgresStorage } from '@webtune/storage-postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './program.js';
import { sink } from './testSink.js';

/*
 * `webtune worker`: real worker processes sharing one study on the PostgreSQL server that
 * WEBTUNE_PG_URL names (.ci/run starts a throw-away cluster). Skipped, saying so, without one.
 */

const PG_URL = process.env.WEBTUNE_PG_URL || undefined;
const PG_DATA = process.env.WEBTUNE_PG_DATA || undefined;
const PG_BIN = process.env.WEBTUNE_PG_BIN || undefined;
if (PG_URL === undefined) {
  console.warn('cli: WEBTUNE_PG_URL is not set, so the webtune worker tests are skipped');
}

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const cli = join(root, 'packages/cli/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'webtune-worker-'));

/**
 * A worker process on study `name` (`env` for the study module, e.g. SLEEP_MS); `ended` resolves
 * with its exit code and output once it ends.
 */
function worker(name: string, module: string, args: string[], env = process.env) {
  const child: ChildProcess = spawn(
    process.execPath,
    [cli, 'worker', module, '--storage', PG_URL!, '--study', name, '--no-importance', ...args],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const ended = new Promise<{ code: number | null; signal: string | null; out: string }>((done) =>
    child.on('close', (code, signal) => done({ code, signal, out })),
  );
  return { child, ended };
}

/** The study as the database holds it. */
async function stored(name: string) {
  const storage = postgresStorage(PG_URL!);
  try {
    return {
      trials: (await storage.readStudy(name))?.trials ?? [],
      workers: await storage.workers(name),
    };
  } finally {
    await storage.close();
  }
}

const until = async (what: string, ok: () => Promise<boolean>, ms = 60_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

const counted = (trials: { retryOf?: number }[]) => trials.filter((t) => t.retryOf === undefined);

beforeAll(() => {
  writeFileSync(
    join(dir, 'quad.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 }, k: { type: 'int', low: 1, high: 9 } };
     export const objective = async ({ x, k }, trial) => {
       await new Promise((r) => setTimeout(r, Number(process.env.SLEEP_MS ?? 10)));
       trial.report(0, x);
       return (x - 1) ** 2 + k;
     };`,
  );
});

describe.skipIf(PG_URL === undefined)('webtune worker', () => {
  // Each test its own study; they stay in the test server, which .ci/run throws away.
  const fresh = (label: string) => `${label}-${process.pid}-${Date.now()}`;

  it('4 workers with a budget of 100 trials: exactly 100, numbered 0…99, none lost or duplicated', async () => {
    const name = fresh('four');
    const runs = [0, 1, 2, 3].map(() => worker(name, 'quad.mjs', ['-n', '100', '-s', 'tpe']));
    const ended = await Promise.all(runs.map((r) => r.ended));
    for (const e of ended) expect(e.code, e.out).toBe(0);
    const { trials, workers } = await stored(name);
    expect(trials.map((t) => t.number)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(trials.every((t) => t.state === 'complete' && t.intermediate.length === 1)).toBe(true);
    expect(workers).toHaveLength(4);
    // Every worker ran some of them: the lines each logged add up to the study, once each.
    const logged = ended.flatMap((e) =>
      [...e.out.matchAll(/^trial (\d+) complete/gm)].map((m) => Number(m[1])),
    );
    expect(logged.sort((a, b) => a - b)).toEqual(trials.map((t) => t.number));
    expect(ended.every((e) => /^trial \d+ complete/m.test(e.out))).toBe(true);
  }, 120_000);

  it('a worker SIGKILLed mid-trial: its trial is failed by heartbeat and retried, and the study reaches its budget', async () => {
    const name = fresh('killed');
    const flags = ['-n', '12', '-s', 'random', '--heartbeat', '0.2', '--grace', '1.5'];
    const env = { ...process.env, SLEEP_MS: '400' };
    const spawnSlow = () => worker(name, 'quad.mjs', flags, env);
    const victim = spawnSlow();
    const others = [spawnSlow(), spawnSlow()];
    let killed: number | undefined;
    await until('the victim runs a trial after some have completed', async () => {
      const { trials, workers } = await stored(name);
      const mine = workers.find((w) => w.pid === victim.child.pid);
      if (mine === undefined || mine.running.length === 0) return false;
      if (trials.filter((t) => t.state === 'complete').length < 2) return false;
      killed = mine.running[0];
      return true;
    });
    victim.child.kill('SIGKILL');
    expect((await victim.ended).code).toBe(null);
    for (const o of await Promise.all(others.map((o) => o.ended))) expect(o.code, o.out).toBe(0);
    const { trials } = await stored(name);
    const dead = trials.find((t) => t.number === killed)!;
    expect(dead.state).toBe('failed');
    expect(dead.error).toMatch(
      /^stale: no heartbeat from its worker .+ pid \d+ for more than 1.5 s/,
    );
    const retry = trials.filter((t) => t.retryOf === killed);
    expect(retry).toHaveLength(1);
    expect(retry[0]!.params).toEqual(dead.params);
    expect(retry[0]!.state).toBe('complete');
    expect(counted(trials)).toHaveLength(12);
    expect(trials.filter((t) => t.state === 'complete')).toHaveLength(12);
    expect(trials.some((t) => t.state === 'running')).toBe(false);
  }, 120_000);

  it.skipIf(PG_DATA === undefined || PG_BIN === undefined)(
    'the database restarted mid-study: the workers reconnect and go on, nothing half-written',
    async () => {
      const name = fresh('restart');
      const env = { ...process.env, SLEEP_MS: '100' };
      const args = ['-n', '30', '-s', 'random', '--heartbeat', '0.3', '--grace', '3'];
      const runs = [0, 1].map(() => worker(name, 'quad.mjs', args, env).ended);
      await until(
        '8 trials are complete',
        async () => (await stored(name)).trials.filter((t) => t.state === 'complete').length >= 8,
      );
      // -l: the restarted server must not hold this process's pipes open.
      const restart = spawnSync(
        'runuser',
        [
          '-u',
          'postgres',
          '--',
          join(PG_BIN!, 'pg_ctl'),
          '-D',
          PG_DATA!,
          '-l',
          join(PG_DATA!, '..', 'restarted.log'),
          '-m',
          'fast',
          '-w',
          'restart',
        ],
        { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 },
      );
      expect(restart.status, restart.stderr).toBe(0);
      const ended = await Promise.all(runs);
      for (const e of ended) expect(e.code, e.out).toBe(0);
      expect(ended.some((e) => e.out.includes('lost the connection'))).toBe(true);
      const { trials } = await stored(name);
      // Gap-free numbers, nothing left running, every failure a stale trial that was retried.
      expect(trials.map((t) => t.number)).toEqual(trials.map((_, i) => i));
      expect(trials.some((t) => t.state === 'running')).toBe(false);
      for (const t of trials.filter((t) => t.state === 'failed')) {
        expect(t.error).toMatch(/^stale:/);
        expect(trials.some((r) => r.retryOf === t.number)).toBe(true);
      }
      expect(counted(trials)).toHaveLength(30);
    },
    180_000,
  );

  it('needs a database and a study name, naming what is missing', async () => {
    const run = async (args: string[]) => {
      const stdout = sink();
      const stderr = sink();
      const code = await main(args, { stdout, stderr, cwd: dir });
      return { code, stderr: stderr.text };
    };
    expect(await run(['worker', 'quad.mjs', '--storage', 'q.jsonl'])).toEqual({
      code: 2,
      stderr:
        'webtune: webtune worker needs --storage postgres://… (a database server every worker reaches; q.jsonl is a journal, which one process at a time writes)\n',
    });
    const noStudy = await run(['worker', 'quad.mjs', '--storage', PG_URL!]);
    expect(noStudy.code).toBe(2);
    expect(noStudy.stderr).toContain('holds many studies: name one with --study NAME');
    expect((await run(['run', 'quad.mjs', '--study', 'x'])).stderr).toBe(
      'webtune: --study needs --storage postgres://…: it is about a database study\n',
    );
  });

  it('status shows the study live: trials by state, best, workers with host, pid and heartbeat', async () => {
    const name = fresh('status');
    const done = await worker(name, 'quad.mjs', ['-n', '5', '-s', 'random']).ended;
    expect(done.code, done.out).toBe(0);
    const stdout = sink();
    const stderr = sink();
    expect(
      await main(['status', '--storage', PG_URL!, '--study', name], { stdout, stderr, cwd: dir }),
    ).toBe(0);
    const lines = stdout.text.split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^study ${name} at postgres://.+: minimize, strategy random$`),
    );
    expect(lines[1]).toBe('trials: 5 (5 complete, 0 running, 0 failed, 0 pruned)');
    expect(lines[2]).toMatch(/^best: trial \d, value [\d.]+ \{"x":/);
    expect(lines[3]).toBe('workers seen: 1');
    expect(lines[4]).toMatch(
      /^ {2}\S+ pid \d+: last heartbeat [\d.]+ s ago, started .+, no trial running$/,
    );
    const report = sink();
    expect(
      await main(['report', '--storage', PG_URL!, '--study', name, '--no-importance'], {
        stdout: report,
        stderr: sink(),
        cwd: dir,
      }),
    ).toBe(0);
    expect(report.text).toContain('5 trials with random: 5 complete, 0 failed, 0 pruned');
  });
});
