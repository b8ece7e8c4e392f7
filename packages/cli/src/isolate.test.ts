import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ISOLATE_GRACE_MS } from './isolate.js';

// `webtune run --isolate` and a second Ctrl-C, run as the built command (`npm run build` first):
// objectives that ignore trial.signal or never yield are ended by real signals and timeouts.
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const cli = join(root, 'packages/cli/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'webtune-isolate-'));

function webtune(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface TrialOut {
  number: number;
  state: string;
  value: number | null;
  error?: string;
  intermediate?: { step: number; value: number }[];
  userAttrs?: Record<string, unknown>;
}
const trialsOf = (file: string) =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')).trials as TrialOut[];
const brief = (t: TrialOut) =>
  `${t.number} ${t.state}${t.error === undefined ? '' : `: ${t.error}`}`;

async function until(file: string): Promise<void> {
  for (let i = 0; i < 800 && !existsSync(join(dir, file)); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(existsSync(join(dir, file)), file).toBe(true);
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  writeFileSync(
    join(dir, 'busy.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     export function objective({ x }, trial) {
       if (trial.number === 1) for (;;) {} // never yields: no signal handler, no timer runs
       return x * x;
     }`,
  );
  // Trial 1 runs until the process ends, whatever trial.signal says; it marks when it starts and
  // when its signal aborts.
  writeFileSync(
    join(dir, 'deaf.mjs'),
    `import { writeFileSync } from 'node:fs';
     export const space = { x: { type: 'float', low: -5, high: 5 } };
     export async function objective({ x }, trial) {
       if (trial.number === 1) {
         trial.signal.addEventListener('abort', () => writeFileSync('aborted', ''));
         writeFileSync('started', '');
         await new Promise((r) => setTimeout(r, 600_000));
       }
       return x * x;
     }`,
  );
  writeFileSync(
    join(dir, 'leave.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     export function objective({ x }) {
       setTimeout(() => process.exit(0), 0);
       return x * x;
     }`,
  );
  writeFileSync(
    join(dir, 'calls.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     export function objective({ x }, trial) {
       trial.report(0, x);
       trial.report(1, x / 2);
       trial.setUserAttr('pruneAsked', trial.shouldPrune());
       try { trial.report(-1, 0); } catch (e) { trial.setUserAttr('refused', e.name + ': ' + e.message); }
       if (trial.number === 1) process.exit(3);
       if (trial.number === 2) { const e = new Error('stop here'); e.name = 'TrialPruned'; throw e; }
       return x * x;
     }`,
  );
});

// Each case spawns node; on a loaded 2-core machine a case can take seconds.
describe('webtune run --isolate', { timeout: 60_000 }, () => {
  it('ends a busy-looping trial once the timeout has passed, fails it with the reason and writes the outputs', () => {
    const r = webtune(
      'run',
      'busy.mjs',
      '-n',
      '5',
      '-q',
      '--isolate',
      '--timeout',
      '2',
      '-o',
      'busy.json',
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(trialsOf('busy.json').map(brief)).toEqual([
      '0 complete',
      `1 failed: terminated: the objective went on ${ISOLATE_GRACE_MS / 1000} s after trial.signal aborted (optimize: the timeout of 2000 ms passed)`,
    ]);
  });

  it("answers the objective's trial calls from the real trial; process.exit() fails only its trial; TrialPruned prunes", () => {
    for (const mode of [[], ['--isolate']]) {
      const out = `calls${mode.length}.json`;
      const r = webtune('run', 'calls.mjs', '-n', '4', '-q', '-o', out, ...mode);
      if (mode.length === 0) {
        // In this thread process.exit() ends the whole run, as it always did.
        expect(r.code).toBe(3);
        continue;
      }
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const trials = trialsOf(out);
      expect(trials.map(brief)).toEqual([
        '0 complete',
        "1 failed: the trial's worker thread exited (code 3) before the objective returned",
        '2 pruned',
        '3 complete',
      ]);
      for (const t of trials) {
        expect(t.intermediate?.map((i) => i.step)).toEqual([0, 1]);
        expect(t.userAttrs).toEqual({
          pruneAsked: false,
          refused: `RangeError: trial ${t.number}: report step (-1) must be an integer >= 0`,
        });
      }
      expect(trials[2]?.value).toBe(trials[2]?.intermediate?.[1]?.value);
    }
  });

  it('replaces a worker that ended between trials (a finished trial left a timer calling process.exit())', () => {
    const r = webtune('run', 'leave.mjs', '-n', '3', '-q', '--isolate', '-o', 'leave.json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(trialsOf('leave.json').map(brief)).toEqual(['0 complete', '1 complete', '2 complete']);
  });

  it('says in --help what it is for', () => {
    const help = webtune('run', '--help').stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--isolate run each trial in a worker thread that can be terminated');
    expect(help).toContain(
      'Use it for objectives that may ignore trial.signal or hang in a busy loop',
    );
  });
});

describe('a second Ctrl-C ends the trials that ignore trial.signal', { timeout: 60_000 }, () => {
  const cases = [
    [
      [],
      'abandoned: a second Ctrl-C ended the run while the objective still ran (it ignores trial.signal; --isolate terminates such trials)',
    ],
    [['--isolate'], 'terminated: a second Ctrl-C ended the trial at once'],
  ] as const;
  for (const [mode, reason] of cases) {
    it(`fails them with the reason and writes the outputs, exit 130 (${mode.length === 0 ? 'in process' : 'with --isolate'})`, async () => {
      rmSync(join(dir, 'started'), { force: true });
      rmSync(join(dir, 'aborted'), { force: true });
      const out = `deaf${mode.length}.json`;
      const child = spawn(
        process.execPath,
        [cli, 'run', 'deaf.mjs', '-n', '4', '-q', '-o', out, ...mode],
        { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await until('started');
      child.kill('SIGINT');
      await until('aborted'); // the first Ctrl-C reached the trial, which goes on
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toBe('webtune: interrupted after 2 trials\n');
      expect(trialsOf(out).map(brief)).toEqual(['0 complete', `1 failed: ${reason}`]);
    });
  }
});
