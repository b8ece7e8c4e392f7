import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './program.js';
import { sink } from './testSink.js';

// `webtune run --storage`: in process through main(), and as a real process killed mid-trial.
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const cli = join(root, 'packages/cli/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'webtune-storage-'));

async function run(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdout, stderr, cwd: dir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const readStudy = (file: string) =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    trials: { number: number; params: Record<string, unknown>; state: string; error?: string }[];
  };

beforeAll(() => {
  writeFileSync(
    join(dir, 'quad.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 }, k: { type: 'int', low: 1, high: 9 } };
     export const objective = ({ x, k }) => (x - 1) ** 2 + k;`,
  );
});

describe('webtune run --storage', () => {
  it('creates the journal, then resumes it: -n counts new trials and the params match an uninterrupted run', async () => {
    const random = (...more: string[]) =>
      run(['run', 'quad.mjs', '-s', 'random', '--seed', '2', '-q', ...more]);
    const first = await random('-n', '4', '--storage', 'a.jsonl');
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(`new study in ${join(dir, 'a.jsonl')}\n`);
    const second = await random('-n', '3', '--storage', 'a.jsonl', '-o', 'a.json');
    expect(second.code).toBe(0);
    expect(second.stderr).toBe(`resumed 4 trials from ${join(dir, 'a.jsonl')} (4 complete)\n`);
    const resumed = readStudy('a.json').trials;
    expect(resumed.map((t) => t.number)).toEqual([0, 1, 2, 3, 4, 5, 6]);

    expect((await random('-n', '7', '-o', 'b.json')).code).toBe(0);
    expect(resumed.map((t) => t.params)).toEqual(readStudy('b.json').trials.map((t) => t.params));
  });

  it('--no-replay resumes without replaying: the model strategy stream starts over (and needs --storage)', async () => {
    const bayesian = (...more: string[]) =>
      run(['run', 'quad.mjs', '-s', 'bayesian', '--startup', '2', '--seed', '5', '-q', ...more]);
    const fourth = async (file: string, ...more: string[]) => {
      expect((await bayesian('-n', '3', '--storage', `${file}.jsonl`)).code).toBe(0);
      const r = await bayesian(
        '-n',
        '1',
        '--storage',
        `${file}.jsonl`,
        ...more,
        '-o',
        `${file}.json`,
      );
      expect(r.code).toBe(0);
      const trials = readStudy(`${file}.json`).trials;
      expect(trials.map((t) => t.number)).toEqual([0, 1, 2, 3]);
      return trials[3]!.params;
    };
    expect((await bayesian('-n', '4', '-o', 'whole.json')).code).toBe(0);
    const whole = readStudy('whole.json').trials[3]!.params;
    // Replayed, the resumed run's acquisition search draws what the uninterrupted run drew.
    expect(await fourth('replayed')).toEqual(whole);
    expect(await fourth('fresh', '--no-replay')).not.toEqual(whole);

    const alone = await bayesian('-n', '1', '--no-replay');
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe(
      'webtune: --no-replay needs --storage: it only changes how a study resumed from a journal continues\n',
    );
  });

  it('refuses a journal of another study before running a trial, naming both values', async () => {
    writeFileSync(
      join(dir, 'quad-max.mjs'),
      `export const space = { x: { type: 'float', low: -5, high: 5 }, k: { type: 'int', low: 1, high: 9 } };
       export const direction = 'maximize';
       export const objective = () => { throw new Error('must not run'); };`,
    );
    await run(['run', 'quad.mjs', '-s', 'random', '-n', '1', '--storage', 'c.jsonl', '-q']);
    const r = await run(['run', 'quad-max.mjs', '-n', '1', '--storage', 'c.jsonl', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `webtune: fileStorage: ${join(dir, 'c.jsonl')} holds a study with direction "minimize", but this study's direction is "maximize"\n`,
    );
    expect(readFileSync(join(dir, 'c.jsonl'), 'utf8').split('\n')).toHaveLength(4); // study, create, update, ''
  });

  it('a resumed grid retries the configuration a stopped run left running, and says so', async () => {
    writeFileSync(
      join(dir, 'grid64.mjs'),
      `export const space = {
         a: { type: 'categorical', choices: [1, 2, 3, 4] },
         b: { type: 'categorical', choices: [1, 2, 3, 4] },
         c: { type: 'categorical', choices: [1, 2, 3, 4] },
       };
       export const objective = ({ a, b, c }) => a * 16 + b * 4 + c;`,
    );
    // What a run killed during trial 40 leaves: 40 complete, trial 40 'running'.
    const { createStudy } = await import('@webtune/core');
    const { fileStorage } = await import('@webtune/core/node');
    const { grid } = await import('@webtune/strategies');
    const { space } = await import(join(dir, 'grid64.mjs'));
    const storage = fileStorage(join(dir, 'g.jsonl'));
    const killed = createStudy({ space, strategy: grid(), storage });
    await killed.optimize(({ a, b, c }) => (a as number) * 16 + (b as number) * 4 + (c as number), {
      trials: 40,
    });
    const left = (await killed.ask())!;
    await storage.close();

    const r = await run(['run', 'grid64.mjs', '-s', 'grid', '--storage', 'g.jsonl', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      '65 trials with grid: 64 complete, 1 failed, 0 pruned',
      `retried 1 failed configuration: trial ${left.number} (stale) → 64 complete`,
    ]);
    const none = await run(['run', 'grid64.mjs', '-s', 'grid', '--retries', '0', '-o', 'g0.json']);
    expect(none.code).toBe(0);
    expect(await run(['run', 'grid64.mjs', '--retries', '1', '-n', '1'])).toMatchObject({
      code: 2,
      stderr: 'webtune: --retries does not apply to --strategy sobol\n',
    });
  });

  it('--fsync <ms> batches the journal fsyncs; the journal resumes as usual; bad values are refused', async () => {
    const random = (...more: string[]) =>
      run(['run', 'quad.mjs', '-s', 'random', '-q', '--storage', 'f.jsonl', ...more]);
    expect((await random('-n', '5', '--fsync', '50')).code).toBe(0);
    const again = await random('-n', '2', '--fsync', 'never');
    expect(again).toMatchObject({
      code: 0,
      stderr: `resumed 5 trials from ${join(dir, 'f.jsonl')} (5 complete)\n`,
    });
    expect(await random('-n', '1', '--fsync', '5x')).toMatchObject({
      code: 2,
      stderr: 'webtune: --fsync (5x) must be always, never or a number of milliseconds > 0\n',
    });
    expect(await run(['run', 'quad.mjs', '-n', '1', '--fsync', 'always'])).toMatchObject({
      code: 2,
      stderr: 'webtune: --fsync needs --storage: it says when the journal reaches the disk\n',
    });
  });

  it('says in --help that -n counts new trials, as Optuna does', async () => {
    const help = (await run(['run', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      "with --storage, new ones on top of those resumed, as Optuna's n_trials",
    );
    expect(help).toContain('--storage <file | url> keep the study in this journal');
    expect(help).toContain(
      '--no-replay with --storage: resume without replaying the strategy over the stored trials',
    );
    expect(help).toContain('seeded random streams start over');
  });

  it('a process killed mid-trial is resumed: its running trial is failed as stale and the study goes on', async () => {
    expect(existsSync(cli), `${cli} is missing: run npm run build first`).toBe(true);
    const marker = join(dir, 'hung');
    writeFileSync(
      join(dir, 'hang.mjs'),
      `import { existsSync, writeFileSync } from 'node:fs';
       export const space = { x: { type: 'float', low: -5, high: 5 } };
       export const objective = async ({ x }, trial) => {
         if (trial.number === 3 && !existsSync(${JSON.stringify(marker)})) {
           writeFileSync(${JSON.stringify(marker)}, '');
           setInterval(() => {}, 1000); // keeps the process alive: it hangs until killed
           await new Promise(() => {});
         }
         return x * x;
       };`,
    );
    const args = [cli, 'run', 'hang.mjs', '-s', 'random', '-n', '10', '--storage', 'd.jsonl', '-q'];
    const child = spawn(process.execPath, args, { cwd: dir, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    for (let i = 0; i < 400 && !existsSync(marker); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(marker)).toBe(true);
    child.kill('SIGKILL');
    await exited;

    const again = spawnSync(process.execPath, [...args, '-n', '2', '-o', 'd.json'], {
      cwd: dir,
      encoding: 'utf8',
    });
    // SIGKILL left the journal's lock behind: this host, a dead pid, so it is taken over.
    const [warning, resumedLine, ...rest] = again.stderr.split('\n');
    expect(warning).toMatch(/^webtune: warning: .*d\.jsonl.*stale lock/);
    expect(resumedLine).toBe(
      `resumed 4 trials from ${join(dir, 'd.jsonl')} (3 complete, 1 failed; 1 left running by a stopped run, now failed: 3)`,
    );
    expect(rest).toEqual(['']);
    expect(again.status).toBe(0);
    const trials = readStudy('d.json').trials;
    expect(trials.map((t) => `${t.number} ${t.state}`)).toEqual([
      '0 complete',
      '1 complete',
      '2 complete',
      '3 failed',
      '4 complete',
      '5 complete',
    ]);
    expect(trials[3]?.error).toMatch(/^stale: the trial was running when the study resumed/);
  }, 30_000);

  it('SIGTERM stops the run like Ctrl-C: running trials are aborted, the lock released, exit 143', async () => {
    const marker = join(dir, 'started');
    writeFileSync(
      join(dir, 'polite.mjs'),
      `import { writeFileSync } from 'node:fs';
       export const space = { x: { type: 'float', low: -5, high: 5 } };
       export const objective = async ({ x }, trial) => {
         if (trial.number === 2) {
           writeFileSync(${JSON.stringify(marker)}, '');
           const work = setInterval(() => {}, 100); // a long trial, until the run stops it
           await new Promise((_, reject) =>
             trial.signal.addEventListener('abort', () => {
               clearInterval(work);
               reject(trial.signal.reason);
             }),
           );
         }
         return x * x;
       };`,
    );
    const args = [
      cli,
      'run',
      'polite.mjs',
      '-s',
      'random',
      '-n',
      '5',
      '--storage',
      't.jsonl',
      '-q',
    ];
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    for (let i = 0; i < 400 && !existsSync(marker); i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(existsSync(marker)).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr).toContain('webtune: terminated after 3 trials');
    expect(existsSync(join(dir, 't.jsonl.lock'))).toBe(false);

    const again = spawnSync(process.execPath, [...args, '-n', '1'], { cwd: dir, encoding: 'utf8' });
    expect(again.status).toBe(0);
    // No stale lock to take over, and the aborted trial was finished as failed, not left running.
    expect(again.stderr).toBe(
      `resumed 3 trials from ${join(dir, 't.jsonl')} (2 complete, 1 failed)\n`,
    );
  }, 30_000);
});
