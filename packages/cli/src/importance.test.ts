import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatImportances } from './output.js';
import { main } from './program.js';
import { sink } from './testSink.js';

// The importance line `webtune run` prints after the best trial.
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const dir = mkdtempSync(join(tmpdir(), 'webtune-importance-'));

async function run(args: string[], cwd = dir) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdout, stderr, cwd });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function studyModule(name: string, objective: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `export const space = { x: { type: 'int', low: 0, high: 9 }, y: { type: 'int', low: 0, high: 1 } };
     export const objective = ${objective};`,
  );
  return path;
}

describe('webtune run: importance line', () => {
  it('ranks the seed grid after the best trial: lr, then batch, then hidden', async () => {
    const r = await run(['run', 'examples/seed-grid.mjs', '-s', 'exhaustive'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\n {2}hidden {2}256\nimportance: lr 0\.80 · batch 0\.19 · hidden 0\.01\n$/,
    );
  });

  it('is off with --no-importance and with --quiet', async () => {
    const path = studyModule('quad.mjs', '({ x, y }) => (x - 3) ** 2 + y');
    for (const flag of ['--no-importance', '-q']) {
      const r = await run(['run', path, '-s', 'exhaustive', flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('best trial:');
      expect(r.stdout).not.toContain('importance');
    }
    const on = await run(['run', path, '-s', 'exhaustive']);
    expect(on.stdout).toMatch(/\nimportance: x 1\.00 · y 0\.00\n$/);
  });

  it('says why in one line, and the run still succeeds, with < 2 complete trials or flat values', async () => {
    const one = studyModule(
      'one.mjs',
      "({ x, y }) => { if (x + y > 0) throw new Error('no'); return 1; }",
    );
    const r1 = await run(['run', one, '-s', 'exhaustive']);
    expect(r1.code).toBe(0);
    expect(r1.stdout).toContain(
      'importance: needs at least 2 complete trials (this study has 1)\n',
    );
    const flat = studyModule('flat.mjs', '() => 0.5');
    const r2 = await run(['run', flat, '-s', 'exhaustive']);
    expect(r2.code).toBe(0);
    expect(r2.stdout).toContain(
      'importance: not computed: paramImportances: all 20 complete trials have the target 0.5',
    );
  });

  it('says plainly when single parameters explain little (f = a·b) and ranks by total index', async () => {
    const path = join(dir, 'product.mjs');
    writeFileSync(
      path,
      `export const space = { a: { type: 'float', low: -1, high: 1 }, b: { type: 'float', low: -1, high: 1 } };
       export const objective = ({ a, b }) => a * b;`,
    );
    const r = await run(['run', path, '-s', 'random', '-n', '30']);
    expect(r.code).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.startsWith('importance:'))!;
    const m = line.match(
      /^importance: [ab] (0\.\d\d) · [ab] (0\.\d\d) \(ranked by total index: single parameters explain only (\d+)% of the model's variance, interactions the rest\)$/,
    );
    expect(m, line).not.toBeNull();
    for (const share of [m![1], m![2]]) expect(Math.abs(Number(share) - 0.5)).toBeLessThan(0.05);
    expect(Number(m![3])).toBeLessThan(10);
  });

  it('flags a ranking of pure noise as uncertain', async () => {
    const path = join(dir, 'noise.mjs');
    writeFileSync(
      path,
      `export const space = {
         lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1] },
         batch: { type: 'categorical', choices: [32, 64, 128, 256] },
         hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
       };
       let s = 12345;
       export const objective = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;`,
    );
    const r = await run(['run', path, '-s', 'random', '-n', '30']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\nimportance: .*uncertain: the model predicts a left-out trial with R² -?0\.\d\d \(1 = exactly, 0 = no better than the mean\), so the values may be mostly noise\)\n$/,
    );
  });

  it('names the subsample the fit used when the study had more than 300 complete trials', () => {
    const params = [
      { name: 'lr', importance: 0.7, first: 0.69, total: 0.72 },
      { name: 'batch', importance: 0.3, first: 0.29, total: 0.31 },
    ];
    const clean = {
      params,
      measure: 'first',
      explained: 0.98,
      fitR2: 0.97,
      numbers: [],
      samples: 4096,
    } as const;
    expect(formatImportances({ ...clean, used: 300, complete: 450 })).toBe(
      'importance: lr 0.70 · batch 0.30 (fitted to 300 of the 450 complete trials, evenly by number)\n',
    );
    expect(formatImportances({ ...clean, used: 40, complete: 40 })).toBe(
      'importance: lr 0.70 · batch 0.30\n',
    );
    expect(
      formatImportances({
        ...clean,
        measure: 'total',
        explained: 0.3,
        fitR2: 0.2,
        used: 300,
        complete: 301,
      }),
    ).toBe(
      "importance: lr 0.70 · batch 0.30 (ranked by total index: single parameters explain only 30% of the model's variance, interactions the rest; uncertain: the model predicts a left-out trial with R² 0.20 (1 = exactly, 0 = no better than the mean), so the values may be mostly noise; fitted to 300 of the 301 complete trials, evenly by number)\n",
    );
    expect(formatImportances({ ...clean, used: 120, complete: 300, samples: 1024 })).toBe(
      'importance: lr 0.70 · batch 0.30 (fitted to 120 of the 300 complete trials, evenly by number; 1024 Monte Carlo samples to stay within the time budget (±0.03))\n',
    );
  });

  it('is bounded: a 200-parameter study and a 10,000-choice categorical get a one-line reason, not minutes and a gigabyte', async () => {
    const wide = join(dir, 'wide200.mjs');
    writeFileSync(
      wide,
      `export const space = Object.fromEntries(
         Array.from({ length: 200 }, (_, i) => ['p' + i, { type: 'float', low: 0, high: 1 }]),
       );
       export const objective = (c) => Object.values(c).reduce((a, v, i) => a + (i < 5 ? 10 : 0.1) * v * v, 0);`,
    );
    const r = await run(['run', wide, '-s', 'random', '-n', '100']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\nimportance: skipped: 200 parameters and 100 complete trials would take about \d+ s to rank \(a GP fit and 4096·202 evaluations of its mean\), more than the 5 s allowed; paramImportances from @webtune\/analysis computes it without a limit\n$/,
    );
    const huge = join(dir, 'choices10k.mjs');
    writeFileSync(
      huge,
      `export const space = {
         c: { type: 'categorical', choices: Array.from({ length: 10000 }, (_, i) => 'c' + i) },
         x: { type: 'float', low: 0, high: 1 },
       };
       export const objective = ({ c, x }) => x * x + (Number(c.slice(1)) % 7);`,
    );
    const h = await run(['run', huge, '-s', 'random', '-n', '50']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(
      /\nimportance: skipped: 10001 encoded dimensions \(a 10000-choice categorical, c, one-hot\) would need about 313 MiB at 1024 Monte Carlo samples, more than the 256 MiB allowed\n$/,
    );
  });
});
