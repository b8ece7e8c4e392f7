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

  it('names the subsample the fit used when the study had more than 300 complete trials', () => {
    const ranked = [
      { name: 'lr', importance: 0.7, first: 0.69, total: 0.72 },
      { name: 'batch', importance: 0.3, first: 0.29, total: 0.31 },
    ];
    expect(formatImportances({ ranked, used: 300, complete: 450 })).toBe(
      'importance: lr 0.70 · batch 0.30 (fitted to 300 of the 450 complete trials, evenly by number)\n',
    );
    expect(formatImportances({ ranked, used: 40, complete: 40 })).toBe(
      'importance: lr 0.70 · batch 0.30\n',
    );
  });
});
