import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// These tests run the built command, as users do: `npm run build` first.
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const cli = join(root, 'packages/cli/dist/cli.js');
const seedGrid = join(root, 'examples/seed-grid.mjs');
const branin = join(root, 'examples/branin.mjs');

function webtune(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface TrialOut {
  number: number;
  params: Record<string, number | string | boolean>;
  value: number | null;
  state: string;
  error?: string;
  startedAt: number;
  durationMs: number | null;
}
interface StudyOut {
  direction: string;
  strategy: string;
  seed: number;
  space: unknown;
  trials: TrialOut[];
  best: { number: number; params: Record<string, unknown>; value: number } | null;
}

let dir: string;
beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  dir = mkdtempSync(join(tmpdir(), 'webtune-cli-'));
});

const readJSON = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as StudyOut;

function writeModule(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

it('exits quietly when the reader closes the pipe early (webtune run … | head)', () => {
  // `true` exits without reading, so every write to stdout meets a closed pipe (EPIPE).
  const r = spawnSync(
    'bash',
    [
      '-c',
      `set -o pipefail; "${process.execPath}" "${cli}" run "${seedGrid}" -s exhaustive -q | true`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).not.toContain('EPIPE');
  expect(r.status).toBe(0);
});

// Each case spawns node; on a loaded 2-core machine a case can take seconds.
describe('webtune (the built binary)', { timeout: 60_000 }, () => {
  it('is an executable ESM file with a node shebang', () => {
    expect(readFileSync(cli, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(cli).mode & 0o111).not.toBe(0);
  });

  it('runs the seed grid exhaustively: 64 complete, distinct trials and the known best', () => {
    const out = join(dir, 'r.json');
    const r = webtune(['run', 'examples/seed-grid.mjs', '--strategy', 'exhaustive', '--out', out]);
    expect(r.stderr).not.toMatch(/^webtune:/m);
    expect(r.code).toBe(0);
    const json = readJSON(out);
    expect(Object.keys(json)).toEqual(['direction', 'strategy', 'seed', 'space', 'trials', 'best']);
    expect(json.strategy).toBe('exhaustive');
    expect(json.trials).toHaveLength(64);
    expect(json.trials.every((t) => t.state === 'complete')).toBe(true);
    const keys = new Set(json.trials.map((t) => JSON.stringify(t.params)));
    expect(keys.size).toBe(64);
    expect(json.best?.params).toEqual({ lr: 0.01, batch: 32, hidden: 256 });
    expect(json.best?.value).toBe(0.10937336327052119);
    // The table of the best trial on stdout.
    expect(r.stdout).toContain('64 trials with exhaustive: 64 complete, 0 failed, 0 pruned');
    expect(r.stdout).toMatch(/value\s+0\.10937336327052119/);
    expect(r.stdout).toMatch(/lr\s+0\.01\n\s+batch\s+32\n\s+hidden\s+256/);
  });

  for (const strategy of ['random', 'sobol']) {
    it(`repeats itself for the same seed and not for another (${strategy})`, () => {
      const params = (seed: string, name: string) => {
        const out = join(dir, `${strategy}-${name}.json`);
        const r = webtune([
          'run',
          branin,
          '-s',
          strategy,
          '--seed',
          seed,
          '-n',
          '8',
          '-q',
          '-o',
          out,
        ]);
        expect(r.code).toBe(0);
        return readJSON(out).trials.map((t) => t.params);
      };
      const a = params('3', 'a');
      const b = params('3', 'b');
      const c = params('4', 'c');
      expect(a).toHaveLength(8);
      expect(b).toEqual(a);
      expect(c).not.toEqual(a);
    });
  }

  it('rejects a log-scaled float with low 0: non-zero exit, one line naming the parameter', () => {
    const path = writeModule(
      'badlog.mjs',
      `export const space = { lr: { type: 'float', low: 0, high: 1, log: true } };
       export const objective = ({ lr }) => lr;`,
    );
    const r = webtune(['run', path]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('webtune: space.lr: low (0) must be > 0 for a log-scaled float\n');
    expect(r.stdout).toBe('');
  });

  it('records a throwing objective as failed trials with the message, retried once; the rest complete, best is right', () => {
    const path = writeModule(
      'throws.mjs',
      `export const space = { x: { type: 'int', low: 0, high: 9 } };
       export function objective({ x }) {
         if (x % 3 === 0) throw new Error('cannot train with x = ' + x);
         return (x - 3.2) ** 2;
       }`,
    );
    const out = join(dir, 'throws.json');
    const csv = join(dir, 'throws.csv');
    const r = webtune(['run', path, '-s', 'exhaustive', '-o', out, '--csv', csv]);
    expect(r.code).toBe(0);
    const json = readJSON(out);
    const failed = json.trials.filter((t) => t.state === 'failed');
    // Each failed configuration is tried a second time (--retries 1, the default), after the rest.
    expect(failed.map((t) => t.params.x).sort()).toEqual([0, 0, 3, 3, 6, 6, 9, 9]);
    for (const t of failed) {
      expect(t.error).toBe(`cannot train with x = ${t.params.x}`);
      expect(t.value).toBeNull();
    }
    const complete = json.trials.filter((t) => t.state === 'complete');
    expect(complete).toHaveLength(6);
    expect(json.best).toEqual({ number: 4, params: { x: 4 }, value: (4 - 3.2) ** 2 });
    expect(r.stdout).toContain(
      '14 trials with exhaustive: 6 complete, 8 failed, 0 pruned\nretried 4 failed configurations: trial 0 → 10 failed; trial 3 → 11 failed; trial 6 → 12 failed; trial 9 → 13 failed\n',
    );
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(15);
    expect(lines[0]).toMatch(/^number,state,value,x/);
  });

  it('writes the HTML report', () => {
    const html = join(dir, 'report.html');
    const r = webtune(['run', seedGrid, '-s', 'sobol', '-n', '10', '-q', '--html', html]);
    expect(r.code).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/^<!doctype html>/i);
    expect(text).toContain('sobol');
  });

  it('prints one line per trial when stderr is not a terminal, nothing with --quiet', () => {
    const loud = webtune(['run', branin, '-n', '3']);
    expect(loud.stderr.match(/^trial \d+ complete /gm)).toHaveLength(3);
    const quiet = webtune(['run', branin, '-n', '3', '--quiet']);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toContain('best trial:');
  });

  it('reports bad usage and bad modules in one line with a non-zero exit', () => {
    const noObjective = writeModule(
      'noobj.mjs',
      'export const space = { x: { type: "float", low: 0, high: 1 } };',
    );
    const broken = writeModule('broken.mjs', 'export const = ;');
    const cases: [string[], RegExp][] = [
      [
        ['run', 'nope.mjs'],
        /^webtune: study module nope\.mjs not found \(looked for .*nope\.mjs\)$/,
      ],
      [['run', noObjective], /^webtune: study module .*noobj\.mjs exports no objective function$/],
      [['run', broken], /^webtune: study module .*broken\.mjs failed to load: /],
      [
        ['run', branin, '-s', 'annealing'],
        /^webtune: unknown strategy "annealing" \(choose one of exhaustive, grid, random, sobol/,
      ],
      [['run', branin, '--trials', '0'], /^webtune: --trials \(0\) must be an integer ≥ 1$/],
      [['run', branin, '--seed', 'x'], /^webtune: --seed \(x\) must be an integer ≥ 0$/],
      [['run', branin, '--timeout', '-1'], /^webtune: --timeout \(-1\) must be a number > 0$/],
      [
        ['run', branin, '-s', 'random', '--shuffle'],
        /^webtune: --shuffle does not apply to --strategy random$/,
      ],
      [
        ['run', branin, '-s', 'exhaustive'],
        /^webtune: exhaustive search needs a finite space: space\.x1: cannot enumerate a continuous float/,
      ],
      [['run', branin, '--wat'], /^webtune: unknown option '--wat'$/],
      [['run'], /^webtune: missing required argument 'study-module'$/],
    ];
    for (const [args, message] of cases) {
      const r = webtune(args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr.split('\n').filter(Boolean), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trim(), args.join(' ')).toMatch(message);
    }
  });
});
