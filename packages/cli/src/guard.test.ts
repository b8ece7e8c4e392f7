import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { NEVER_SETTLED } from './guard.js';

// Errors an objective raises outside its promise end a process: these tests run the built command
// as a real process (`npm run build` first), in this thread and with --isolate.
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const cli = join(root, 'packages/cli/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'webtune-guard-'));

function webtune(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface TrialOut {
  number: number;
  state: string;
  error?: string;
}
const trialsOf = (file: string) =>
  (JSON.parse(readFileSync(join(dir, file), 'utf8')).trials as TrialOut[]).map(
    (t) => `${t.number} ${t.state}${t.error === undefined ? '' : `: ${t.error}`}`,
  );

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  writeFileSync(
    join(dir, 'stray.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
     export async function objective({ x }, trial) {
       switch (trial.number) {
         case 1: Promise.reject(new Error('a lost promise')); await sleep(50); break;
         case 2: setTimeout(() => { throw new Error('thrown in a timer'); }, 0); await sleep(50); break;
         case 3: setTimeout(() => trial.report(1, 0.5), 0); break; // after the trial returned
         case 4: queueMicrotask(() => { throw new Error('thrown in a microtask'); }); await sleep(50); break;
         case 5: await new Promise(() => {}); // waits on nothing: can never settle
       }
       return x * x;
     }`,
  );
  writeFileSync(
    join(dir, 'late.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     export const objective = ({ x }, trial) => { setTimeout(() => trial.report(1, 0.5), 0); return x * x; };`,
  );
  writeFileSync(
    join(dir, 'hang.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     export const objective = ({ x }, trial) => trial.number % 3 === 2 ? x * x : new Promise(() => {});`,
  );
});

// Each case spawns node; on a loaded 2-core machine a case can take seconds.
describe('stray asynchronous errors and promises that never settle', { timeout: 60_000 }, () => {
  for (const mode of [[], ['--isolate']]) {
    const name = mode.length === 0 ? 'in process' : 'with --isolate';
    it(`fail the trial they belong to, and the study goes on to write its outputs (${name})`, () => {
      const out = `stray${mode.length}.json`;
      const r = webtune(
        'run',
        'stray.mjs',
        '-n',
        '7',
        '-q',
        '-o',
        out,
        '--csv',
        `${out}.csv`,
        ...mode,
      );
      expect(r.stderr).toBe(
        'webtune: warning: trial 3 had already finished when its objective raised an uncaught error (ignored): trial 3: report after the trial finished (complete)\n',
      );
      expect(r.code).toBe(0);
      expect(trialsOf(out)).toEqual([
        '0 complete',
        '1 failed: unhandled rejection in the objective: a lost promise',
        '2 failed: uncaught error in the objective: thrown in a timer',
        '3 complete',
        '4 failed: uncaught error while this trial ran, from code not traceable to one trial (every running trial fails): thrown in a microtask',
        `5 failed: ${NEVER_SETTLED}`,
        '6 complete',
      ]);
      expect(readFileSync(join(dir, `${out}.csv`), 'utf8').split('\n')).toHaveLength(9);
      expect(r.stdout).toContain('7 trials with sobol: 3 complete, 4 failed, 0 pruned');
    });
  }

  it("an error from the last trial's leftover timer, raised while the outputs are written, costs no output", () => {
    const r = webtune('run', 'late.mjs', '-n', '2', '-q', '-o', 'late.json', '--html', 'late.html');
    expect(r.stderr.split('\n')).toEqual([
      'webtune: warning: trial 0 had already finished when its objective raised an uncaught error (ignored): trial 0: report after the trial finished (complete)',
      'webtune: warning: trial 1 had already finished when its objective raised an uncaught error (ignored): trial 1: report after the trial finished (complete)',
      '',
    ]);
    expect(r.code).toBe(0);
    expect(trialsOf('late.json')).toEqual(['0 complete', '1 complete']);
    expect(existsSync(join(dir, 'late.html'))).toBe(true);
  });

  it('every trial of a batch waiting on nothing fails when the event loop drains, and the run ends normally', () => {
    for (const mode of [[], ['--isolate']]) {
      const out = `hang${mode.length}.json`;
      const r = webtune('run', 'hang.mjs', '-n', '6', '-c', '2', '-q', '-o', out, ...mode);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const states = trialsOf(out);
      expect(states).toHaveLength(6);
      for (const [i, line] of states.entries()) {
        expect(line).toBe(i % 3 === 2 ? `${i} complete` : `${i} failed: ${NEVER_SETTLED}`);
      }
    }
  });
});
