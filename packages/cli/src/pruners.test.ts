import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './program.js';
import { sink } from './testSink.js';

const dir = mkdtempSync(join(tmpdir(), 'webtune-pruner-'));
/** The built @webtune/core, for study modules outside the workspace. */
const core = pathToFileURL(
  resolve(fileURLToPath(import.meta.url), '../../../core/dist/index.js'),
).href;

async function run(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdout, stderr, cwd: dir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const states = (file: string) =>
  (
    JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      trials: { state: string; intermediate?: unknown[] }[];
    }
  ).trials.map((t) => t.state);

// Learning curves that report 20 steps: half the configurations plateau high (bad) early.
const curves = `
  import { TrialPruned } from '${core}';
  export const space = { x: { type: 'float', low: 0, high: 1 } };
  export async function objective({ x }, trial) {
    let loss = 0;
    for (let step = 0; step < 20; step++) {
      loss = x + 1 / (step + 1);
      trial.report(step, loss);
      if (trial.shouldPrune()) throw new TrialPruned();
    }
    return loss;
  }`;

beforeAll(() => {
  writeFileSync(join(dir, 'curves.mjs'), curves);
  writeFileSync(
    join(dir, 'with-pruner.mjs'),
    `${curves}
     import { medianPruner } from '${core}';
     export const pruner = medianPruner({ startupTrials: 2 });`,
  );
  writeFileSync(
    join(dir, 'bad-pruner.mjs'),
    `export const space = { x: { type: 'float', low: 0, high: 1 } };
     export const objective = ({ x }) => x;
     export const pruner = 'median';`,
  );
  writeFileSync(
    join(dir, 'flat.mjs'),
    `export const space = { x: { type: 'float', low: 0, high: 1 } };
     export const objective = ({ x }) => x;`,
  );
});

describe('webtune run --pruner', () => {
  it.each([
    ['median', []],
    ['percentile', ['--percentile', '25']],
    ['threshold', ['--upper', '1', '--n-warmup-steps', '2']],
    ['successive-halving', ['--min-resource', '1', '--reduction-factor', '2']],
    ['hyperband', ['--max-resource', '20']],
  ])(
    '--pruner %s prunes trials of a study module that never named a pruner',
    async (name, more) => {
      const r = await run([
        'run',
        'curves.mjs',
        '-s',
        'random',
        '-n',
        '30',
        '-q',
        '-o',
        `${name}.json`,
        '--pruner',
        name,
        ...more,
      ]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(states(`${name}.json`)).toContain('pruned');
    },
  );

  it('without --pruner nothing is pruned; --pruner none says so explicitly', async () => {
    for (const extra of [[], ['--pruner', 'none']]) {
      const r = await run([
        'run',
        'curves.mjs',
        '-s',
        'random',
        '-n',
        '15',
        '-q',
        '-o',
        'none.json',
        ...extra,
      ]);
      expect(r.code).toBe(0);
      expect(states('none.json')).not.toContain('pruned');
    }
  });

  it("honours the module's pruner export; --pruner replaces it, with a warning", async () => {
    const own = await run([
      'run',
      'with-pruner.mjs',
      '-s',
      'random',
      '-n',
      '20',
      '-q',
      '-o',
      'own.json',
    ]);
    expect(own).toMatchObject({ code: 0, stderr: '' });
    expect(states('own.json')).toContain('pruned');

    const replaced = await run([
      'run',
      'with-pruner.mjs',
      '-s',
      'random',
      '-n',
      '20',
      '-q',
      '-o',
      'replaced.json',
      '--pruner',
      'none',
    ]);
    expect(replaced).toMatchObject({
      code: 0,
      stderr:
        "webtune: warning: the pruner given (none) replaces the study module's pruner export (median)\n",
    });
    expect(states('replaced.json')).not.toContain('pruned');
  });

  it('warns when the pruner had nothing to judge', async () => {
    const r = await run(['run', 'flat.mjs', '-s', 'random', '-n', '3', '-q', '--pruner', 'median']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'webtune: warning: the median pruner had nothing to judge: no trial reported an intermediate value (the objective must call trial.report(step, value), then trial.shouldPrune())\n',
    );
  });

  it.each([
    [
      ['--pruner', 'mean'],
      'unknown pruner "mean" (choose one of none, median, percentile, threshold, successive-halving, hyperband)',
    ],
    [['--n-startup-trials', '3'], '--n-startup-trials needs --pruner'],
    [
      ['--pruner', 'median', '--percentile', '30'],
      '--percentile does not apply to --pruner median',
    ],
    [['--pruner', 'percentile'], '--pruner percentile needs --percentile <p> (0-100)'],
    [['--pruner', 'percentile', '--percentile', '101'], '--percentile (101) must be in [0, 100]'],
    [['--pruner', 'threshold'], '--pruner threshold needs --lower <x>, --upper <x> or both'],
    [
      ['--pruner', 'threshold', '--lower', '2', '--upper', '1'],
      '--lower (2) must be ≤ --upper (1)',
    ],
    [['--pruner', 'threshold', '--upper', '0x10'], '--upper (0x10) must be a decimal number'],
    [
      ['--pruner', 'median', '--n-warmup-steps', '-1'],
      '--n-warmup-steps (-1) must be an integer ≥ 0',
    ],
    [
      ['--pruner', 'hyperband', '--reduction-factor', '1'],
      '--reduction-factor (1) must be an integer ≥ 2',
    ],
    [
      ['--pruner', 'hyperband', '--min-resource', 'auto'],
      '--min-resource auto does not apply to --pruner hyperband (default 1)',
    ],
    [
      ['--pruner', 'hyperband', '--min-resource', '4', '--max-resource', '3'],
      '--max-resource (3) must be ≥ --min-resource (4)',
    ],
    [
      ['--pruner', 'successive-halving', '--max-resource', '9'],
      '--max-resource does not apply to --pruner successive-halving',
    ],
  ])('%j is refused before the module loads, naming the flag and value', async (flags, message) => {
    const r = await run(['run', 'missing.mjs', ...flags]);
    expect(r).toMatchObject({ code: 2, stderr: `webtune: ${message}\n` });
  });

  it('a pruner export that is not a pruner is an error naming it', async () => {
    const r = await run(['run', 'bad-pruner.mjs', '-n', '1']);
    expect(r).toMatchObject({
      code: 1,
      stderr:
        'webtune: study module bad-pruner.mjs: pruner ("median") must be a pruner: an object with a name and a shouldPrune() method, e.g. medianPruner() from @webtune/core\n',
    });
  });

  it("lists the pruners and their options, with Optuna's defaults, in --help", async () => {
    const help = (await run(['run', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      '--pruner <name> stop unpromising trials early (the objective reports with trial.report and asks trial.shouldPrune): none, median, percentile, threshold, successive-halving, hyperband',
    );
    expect(help).toContain(
      '--n-startup-trials <n> median, percentile: no pruning until n trials completed (default 5)',
    );
    expect(help).toContain(
      '--reduction-factor <n> successive-halving (default 4), hyperband (default 3)',
    );
  });
});
