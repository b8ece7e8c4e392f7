import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './program.js';
import { runStudyModule } from './run.js';
import { createStrategy, STRATEGIES } from './strategies.js';
import { loadStudyModule } from './studyModule.js';
import { sink } from './testSink.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'webtune-run-'));

describe('runStudyModule', () => {
  it('runs a module relative to cwd and returns the study', async () => {
    const study = await runStudyModule('examples/seed-grid.mjs', {
      strategy: 'exhaustive',
      cwd: root,
      concurrency: 4,
    });
    expect(study.trials).toHaveLength(64);
    expect(study.bestTrial?.params).toEqual({ lr: 0.01, batch: 32, hidden: 256 });
  });

  it("uses the module's trials export as the default budget, and --trials over it", async () => {
    expect((await runStudyModule('examples/branin.mjs', { cwd: root })).trials).toHaveLength(50);
    const study = await runStudyModule('examples/branin.mjs', { cwd: root, trials: 7 });
    expect(study.trials).toHaveLength(7);
  });

  it('runs exhaustive and grid to the end when neither the module nor the options give a budget', async () => {
    const path = join(dir, 'wide.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'int', low: 0, high: 149 } };
       export const objective = ({ x }) => (x - 120) ** 2;`,
    );
    const all = await runStudyModule(path, { strategy: 'exhaustive' });
    expect(all.trials).toHaveLength(150);
    expect(all.bestTrial?.params).toEqual({ x: 120 });
    const capped = await runStudyModule(path, { strategy: 'exhaustive', trials: 20 });
    expect(capped.trials).toHaveLength(20);
    expect((await runStudyModule(path, { strategy: 'random' })).trials).toHaveLength(100);
  });

  it('maximises when the module says so', async () => {
    const path = join(dir, 'max.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'int', low: 0, high: 20 } };
       export const direction = 'maximize';
       export default { objective: ({ x }) => -((x - 13) ** 2) };`,
    );
    const study = await runStudyModule(path, { strategy: 'exhaustive' });
    expect(study.direction).toBe('maximize');
    expect(study.bestTrial?.params).toEqual({ x: 13 });
  });

  it('passes grid options through', async () => {
    const study = await runStudyModule('examples/branin.mjs', {
      cwd: root,
      strategy: 'grid',
      strategyOptions: { resolution: { x1: 4, x2: 3 } },
    });
    expect(study.trials).toHaveLength(12);
  });

  it('stops at the timeout', async () => {
    const path = join(dir, 'slow.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'float', low: 0, high: 1 } };
       export const objective = ({ x }, trial) => new Promise((res) => {
         const t = setTimeout(() => res(x), 40);
         trial.signal.addEventListener('abort', () => { clearTimeout(t); res(x); });
       });`,
    );
    const study = await runStudyModule(path, { trials: 1000, timeoutMs: 150 });
    expect(study.trials.length).toBeGreaterThan(0);
    expect(study.trials.length).toBeLessThan(1000);
  });
});

describe('loadStudyModule', () => {
  it('rejects a bad direction and a bad trials export, naming them', async () => {
    const bad = join(dir, 'baddir.mjs');
    writeFileSync(
      bad,
      `export const space = { x: { type: 'int', low: 0, high: 2 } };
       export const objective = () => 1; export const direction = 'up';`,
    );
    await expect(loadStudyModule(bad)).rejects.toThrow(
      /direction \("up"\) must be "minimize" or "maximize"/,
    );
    const badTrials = join(dir, 'badtrials.mjs');
    writeFileSync(
      badTrials,
      `export const space = { x: { type: 'int', low: 0, high: 2 } };
       export const objective = () => 1; export const trials = 2.5;`,
    );
    await expect(loadStudyModule(badTrials)).rejects.toThrow(
      /trials \(2\.5\) must be an integer ≥ 1/,
    );
  });
});

describe('the strategy table', () => {
  it('builds every listed strategy, with its options', () => {
    for (const name of Object.keys(STRATEGIES)) {
      const strategy = createStrategy(name, {});
      expect(strategy.name).toBe(name);
      strategy.destroy?.();
    }
    expect(
      createStrategy('bayesian', {
        acquisition: 'ucb',
        kernel: 'rbf',
        candidates: 512,
        startup: 4,
        backend: 'cpu',
      }).name,
    ).toBe('bayesian');
    expect(createStrategy('gradient', { kernel: 'rbf', startup: 3 }).name).toBe('gradient');
    expect(() => createStrategy('gradient', { acquisition: 'ei' })).toThrow(
      '--acquisition does not apply to --strategy gradient',
    );
    expect(createStrategy('tpe', { multivariate: true, startup: 3 }).name).toBe('tpe');
    expect(() => createStrategy('random', { multivariate: true })).toThrow(
      '--multivariate does not apply to --strategy random',
    );
  });
});

describe('main', () => {
  it('runs a study and writes the JSON, CSV and the best-trial table', async () => {
    const stdout = sink();
    const stderr = sink();
    const out = join(dir, 'main.json');
    const code = await main(
      ['run', 'examples/seed-grid.mjs', '-s', 'random', '-n', '12', '--seed', '5', '-o', out, '-q'],
      { stdout, stderr, cwd: root },
    );
    expect(code).toBe(0);
    expect(stderr.text).toBe('');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.seed).toBe(5);
    expect(json.trials).toHaveLength(12);
    expect(
      new Set(json.trials.map((t: { params: unknown }) => JSON.stringify(t.params))).size,
    ).toBe(12);
    expect(stdout.text).toMatch(
      /^12 trials with random: 12 complete, 0 failed, 0 pruned\nbest trial:\n {2}trial /,
    );
  });

  it("shows the best trial's scalar user attributes and where the outputs went", async () => {
    const path = join(dir, 'attrs.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'int', low: 0, high: 4 } };
       export const objective = ({ x }, trial) => {
         trial.setUserAttr('testAccuracy', x / 8);
         trial.setUserAttr('curve', [1, 2]);
         return -x;
       };`,
    );
    const stdout = sink();
    const html = join(dir, 'attrs.html');
    const code = await main(['run', path, '-s', 'exhaustive', '-q', '--html', html], {
      stdout,
      stderr: sink(),
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(stdout.text).toContain('  testAccuracy  0.5\n');
    expect(stdout.text).not.toContain('curve');
    expect(stdout.text).toContain(`report: ${html}\n`);
    expect(readFileSync(html, 'utf8')).toContain('<svg');
  });

  it('refuses numbers Number() would read but a person may not mean: 1e3, 0x10, blanks', async () => {
    const run = async (...args: string[]) => {
      const stderr = sink();
      const code = await main(['run', 'missing.mjs', ...args], {
        stdout: sink(),
        stderr,
        cwd: dir,
      });
      return { code, stderr: stderr.text };
    };
    for (const [args, message] of [
      [['--trials', '1e3'], '--trials (1e3) must be an integer ≥ 1 in decimal digits (write 1000)'],
      [['--trials', '0x10'], '--trials (0x10) must be an integer ≥ 1 in decimal digits (write 16)'],
      [['--seed', ' 7'], '--seed ( 7) must be an integer ≥ 0 in decimal digits (write 7)'],
      [
        ['--concurrency', '2.0'],
        '--concurrency (2.0) must be an integer ≥ 1 in decimal digits (write 2)',
      ],
      [['--trials', '0'], '--trials (0) must be an integer ≥ 1'],
      [['--timeout', '0x10'], '--timeout (0x10) must be a number > 0'],
      [['--timeout', 'Infinity'], '--timeout (Infinity) must be a number > 0'],
    ] as const) {
      expect(await run(...args)).toEqual({ code: 2, stderr: `webtune: ${message}\n` });
    }
  });

  it('a study module with a syntax error is reported with its line and column', async () => {
    writeFileSync(
      join(dir, 'syntax.mjs'),
      `export const space = { x: { type: 'float', low: 0, high: 1 } };
export function objective({ x }) {
  return x +* 2;
}
`,
    );
    const stderr = sink();
    const code = await main(['run', 'syntax.mjs'], { stdout: sink(), stderr, cwd: dir });
    expect(code).toBe(1);
    expect(stderr.text).toBe(
      "webtune: study module syntax.mjs failed to load: syntax error at line 3, column 13: Unexpected token '*' (in: return x +* 2;)\n",
    );
  });

  it('warns when an objective reports a step twice (the second value is ignored, as in Optuna)', async () => {
    writeFileSync(
      join(dir, 'twice.mjs'),
      `export const space = { x: { type: 'float', low: 0, high: 1 } };
       export function objective({ x }, trial) {
         trial.report(0, x);
         trial.report(0, x + 1);
         return x;
       }`,
    );
    const stderr = sink();
    const code = await main(['run', 'twice.mjs', '-n', '1', '-q'], {
      stdout: sink(),
      stderr,
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(stderr.text).toMatch(
      /^webtune: warning: trial 0: step 0 was already reported \(value [0-9.]+\); the value [0-9.]+ reported again is ignored\n$/,
    );
  });

  it('fails with one line when no trial completes', async () => {
    const path = join(dir, 'allfail.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'int', low: 0, high: 2 } };
       export const objective = () => { throw new Error('out of memory'); };`,
    );
    const stdout = sink();
    const stderr = sink();
    const code = await main(['run', path, '-s', 'exhaustive', '-q'], { stdout, stderr, cwd: dir });
    expect(code).toBe(1);
    expect(stderr.text).toBe('webtune: no trial completed (trial 0 failed: out of memory)\n');
    expect(stdout.text).toContain('no trial completed');
  });

  it('when no trial completes, names the first line of a multi-line trial error, parenthesis closed', async () => {
    const path = join(dir, 'allfail-multiline.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'int', low: 0, high: 2 } };
       export const objective = () => { throw new Error('out of memory\\n  at alloc\\n  at train'); };`,
    );
    const stdout = sink();
    const stderr = sink();
    const code = await main(['run', path, '-s', 'exhaustive', '-q'], { stdout, stderr, cwd: dir });
    expect(code).toBe(1);
    expect(stderr.text).toBe('webtune: no trial completed (trial 0 failed: out of memory)\n');
  });

  it('stops on the abort signal (Ctrl-C), still writes the outputs and exits 130', async () => {
    const path = join(dir, 'slow-main.mjs');
    writeFileSync(
      path,
      `export const space = { x: { type: 'float', low: 0, high: 1 } };
       export const objective = ({ x }, trial) => new Promise((res) => {
         const t = setTimeout(() => res(x), 30);
         trial.signal.addEventListener('abort', () => { clearTimeout(t); res(x); });
       });`,
    );
    const controller = new AbortController();
    const stdout = sink();
    const stderr = sink();
    const out = join(dir, 'interrupted.json');
    setTimeout(() => controller.abort(), 150);
    const code = await main(['run', path, '-n', '1000', '-q', '-o', out], {
      stdout,
      stderr,
      cwd: dir,
      signal: controller.signal,
    });
    expect(code).toBe(130);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.trials.length).toBeGreaterThan(0);
    expect(json.trials.length).toBeLessThan(1000);
    expect(stderr.text).toBe(`webtune: interrupted after ${json.trials.length} trials\n`);
  });

  it('prints help with no arguments and the version with --version', async () => {
    const stdout = sink();
    const stderr = sink();
    expect(await main([], { stdout, stderr, cwd: root })).toBe(2);
    expect(stderr.text).toContain('Usage: webtune');
    expect(await main(['--version'], { stdout, stderr, cwd: root })).toBe(0);
    expect(stdout.text.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
