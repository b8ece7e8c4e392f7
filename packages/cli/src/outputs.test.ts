import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from './program.js';
import { sink } from './testSink.js';

// Outputs that fail to write once the trials have run: /dev/full is a real full disk (ENOSPC).
const dir = mkdtempSync(join(tmpdir(), 'webtune-outputs-'));

async function webtune(...args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdout, stderr, cwd: dir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const read = (file: string) => readFileSync(join(dir, file), 'utf8');

beforeAll(() => {
  writeFileSync(
    join(dir, 'quad.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 } };
     export const objective = ({ x }) => x * x;`,
  );
});

describe('webtune run writes each output on its own and says where the results are', () => {
  it('a write failing after the trials (a full disk: /dev/full) still writes the other outputs and saves the study elsewhere, named', async () => {
    const before = new Set(readdirSync(tmpdir()));
    const r = await webtune(
      ...['run', 'quad.mjs', '-n', '3', '-q', '-o', '/dev/full'],
      ...['--csv', 'full.csv', '--html', 'full.html'],
    );
    expect(r.code).toBe(1);
    const [failure, rescue, ...rest] = r.stderr.split('\n');
    expect(failure).toBe(
      'webtune: --out (/dev/full): could not write it: ENOSPC: no space left on device, write',
    );
    const saved = rescue?.match(/^webtune: saved the study to (\S+) instead$/)?.[1];
    expect(saved, r.stderr).toBeDefined();
    expect(rest).toEqual(['']);
    expect(before.has(saved!.slice(tmpdir().length + 1))).toBe(false);
    expect(JSON.parse(readFileSync(saved!, 'utf8')).trials).toHaveLength(3);
    rmSync(saved!);
    expect(read('full.csv').split('\n')).toHaveLength(5); // header, 3 trials, ''
    expect(read('full.html')).toMatch(/^<!doctype html>/i);
    expect(r.stdout).toContain('3 trials with sobol: 3 complete');
    expect(r.stdout).toContain(
      `csv: ${join(dir, 'full.csv')}\nreport: ${join(dir, 'full.html')}\n`,
    );
    expect(r.stdout).not.toContain('results:');
  });

  it('with a journal or a written --out, it names that instead, with the command that writes what is missing', async () => {
    const withJournal = await webtune(
      ...['run', 'quad.mjs', '-n', '2', '-q', '--storage', 'w.jsonl', '--csv', '/dev/full'],
    );
    expect(withJournal.code).toBe(1);
    expect(withJournal.stderr.split('\n')).toEqual([
      `new study in ${join(dir, 'w.jsonl')}`,
      'webtune: --csv (/dev/full): could not write it: ENOSPC: no space left on device, write',
      `webtune: every trial is in the journal ${join(dir, 'w.jsonl')}; \`webtune report ${join(dir, 'w.jsonl')} --csv <file>\` writes the missing outputs from it`,
      '',
    ]);
    const withOut = await webtune(
      ...['run', 'quad.mjs', '-n', '2', '-q', '-o', 'w.json', '--html', '/dev/full'],
    );
    expect(withOut.code).toBe(1);
    expect(withOut.stderr.split('\n').slice(1)).toEqual([
      `webtune: every trial is in ${join(dir, 'w.json')}; \`webtune report ${join(dir, 'w.json')} --html <file>\` writes the missing outputs from it`,
      '',
    ]);
    expect(JSON.parse(read('w.json')).trials).toHaveLength(2);
  });
});
