import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from './program.js';
import { sink } from './testSink.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');

describe('webtune bench quality', () => {
  it('runs each problem × strategy × seed and writes JSON and Markdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'webtune-bench-'));
    const stdout = sink();
    const stderr = sink();
    const code = await main(
      [
        'bench',
        'quality',
        '--problems',
        'examples/branin.mjs',
        'examples/seed-grid.mjs',
        '--strategies',
        'random,sobol',
        '--seeds',
        '2',
        '--budget',
        '6',
        '--out',
        join(dir, 'q.json'),
        '--md',
        join(dir, 'q.md'),
      ],
      { stdout, stderr, cwd: root },
    );
    expect(stderr.text.split('\n').filter(Boolean)).toHaveLength(8);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'q.json'), 'utf8'));
    expect(json.seeds).toBe(2);
    expect(json.problems.map((p: { name: string }) => p.name)).toEqual(['branin', 'seed-grid']);
    for (const p of json.problems) {
      expect(p.strategies.map((s: { strategy: string }) => s.strategy)).toEqual([
        'random',
        'sobol',
      ]);
    }
    expect(existsSync(join(dir, 'q.md'))).toBe(true);
    expect(stdout.text).toContain('branin');
  });

  it('rejects an unknown strategy and a bad seed count in one line', async () => {
    const stderr = sink();
    const io = { stdout: sink(), stderr, cwd: root };
    const problems = ['--problems', 'examples/branin.mjs'];
    expect(await main(['bench', 'quality', ...problems, '--strategies', 'simplex'], io)).toBe(2);
    expect(await main(['bench', 'quality', ...problems, '--seeds', '0'], io)).toBe(2);
    expect(await main(['bench', 'quality'], io)).toBe(2);
    expect(stderr.text.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^webtune: unknown strategy "simplex"/),
      'webtune: --seeds (0) must be an integer ≥ 1',
      "webtune: required option '--problems <modules...>' not specified",
    ]);
  });
});
