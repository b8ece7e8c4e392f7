import {
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkOutputPaths } from './paths.js';
import { main } from './program.js';
import { sink } from './testSink.js';

// webtune run / report with output paths that would lose data: real files in a temporary directory.
const dir = mkdtempSync(join(tmpdir(), 'webtune-paths-'));
const ran = join(dir, 'ran');

async function webtune(...args: string[]) {
  const stdout = sink();
  const stderr = sink();
  const code = await main(args, { stdout, stderr, cwd: dir });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const read = (file: string) => readFileSync(join(dir, file), 'utf8');

beforeAll(() => {
  // Each trial leaves a mark, so a test sees whether any trial ran.
  writeFileSync(
    join(dir, 'quad.mjs'),
    `import { appendFileSync } from 'node:fs';
     export const space = { x: { type: 'float', low: -5, high: 5 } };
     export const objective = ({ x }) => { appendFileSync(${JSON.stringify(ran)}, 'trial\\n'); return x * x; };`,
  );
});

describe('webtune run refuses outputs that are its inputs, before any trial', () => {
  it('-o equal to --storage (also through a symbolic or a hard link): the journal is left as it was and still resumes', async () => {
    expect((await webtune('run', 'quad.mjs', '-n', '2', '-q', '--storage', 'j.jsonl')).code).toBe(
      0,
    );
    const journal = read('j.jsonl');
    symlinkSync('j.jsonl', join(dir, 'soft.jsonl'));
    linkSync(join(dir, 'j.jsonl'), join(dir, 'hard.jsonl'));
    rmSync(ran);
    for (const out of ['j.jsonl', `${dir}/./j.jsonl`, 'soft.jsonl', 'hard.jsonl']) {
      const r = await webtune(
        'run',
        'quad.mjs',
        '-n',
        '2',
        '-q',
        '--storage',
        'j.jsonl',
        '-o',
        out,
      );
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: `webtune: --out (${out}) is the journal (--storage j.jsonl)\n`,
      });
    }
    expect(read('j.jsonl')).toBe(journal);
    expect(existsSync(ran)).toBe(false);
    const resumed = await webtune('run', 'quad.mjs', '-n', '1', '-q', '--storage', 'j.jsonl');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toBe(`resumed 2 trials from ${join(dir, 'j.jsonl')} (2 complete)\n`);
  });

  it('an output equal to the study module, the journal lock or another output', async () => {
    rmSync(ran, { force: true });
    const module = read('quad.mjs');
    const cases: [string[], string][] = [
      [['-o', 'quad.mjs'], '--out (quad.mjs) is the study module'],
      [['--html', './quad.mjs'], '--html (./quad.mjs) is the study module'],
      [
        ['--storage', 'k.jsonl', '--csv', 'k.jsonl.lock'],
        "--csv (k.jsonl.lock) is the journal's lock file (--storage k.jsonl)",
      ],
      [
        ['-o', 'a.json', '--csv', 'sub/../a.json'],
        '--out (a.json) and --csv (sub/../a.json) are the same file: each output needs its own',
      ],
    ];
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const [args, message] of cases) {
      const r = await webtune('run', 'quad.mjs', '-n', '2', '-q', ...args);
      expect(r, args.join(' ')).toEqual({ code: 2, stdout: '', stderr: `webtune: ${message}\n` });
    }
    expect(read('quad.mjs')).toBe(module);
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(join(dir, 'k.jsonl'))).toBe(false);
  });

  it('an output it cannot write: a missing directory, a directory, a file as directory, a file system that refuses it', async () => {
    rmSync(ran, { force: true });
    mkdirSync(join(dir, 'a-dir'), { recursive: true });
    writeFileSync(join(dir, 'a-file'), '');
    const cases: [string[], string][] = [
      [['-o', 'nowhere/r.json'], `--out (nowhere/r.json): no such directory ${dir}/nowhere`],
      [['--html', 'a-dir'], '--html (a-dir): is a directory'],
      [['--csv', 'a-file/r.csv'], `--csv (a-file/r.csv): ${dir}/a-file is not a directory`],
    ];
    // sysfs refuses new files even to root (for whom access() says yes).
    if (existsSync('/sys/kernel')) {
      cases.push([['-o', '/sys/r.json'], '--out (/sys/r.json): cannot write there: EACCES']);
    }
    for (const [args, message] of cases) {
      const r = await webtune('run', 'quad.mjs', '-n', '2', '-q', '--storage', 'm.jsonl', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.startsWith(`webtune: ${message}`), r.stderr).toBe(true);
      expect(r.stderr.split('\n')).toHaveLength(2);
    }
    expect(existsSync(ran)).toBe(false);
    expect(existsSync(join(dir, 'm.jsonl'))).toBe(false);
  });
});

describe('webtune report uses the same check', () => {
  it('refuses --html and --csv naming one file, or the study file', async () => {
    expect((await webtune('run', 'quad.mjs', '-n', '2', '-q', '-o', 'r.json')).code).toBe(0);
    expect(await webtune('report', 'r.json', '--html', 'x', '--csv', './x')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'webtune: --html (x) and --csv (./x) are the same file: each output needs its own\n',
    });
    expect((await webtune('report', 'r.json', '--csv', 'r.json')).stderr).toBe(
      'webtune: --csv (r.json) is the study file\n',
    );
  });
});

describe('checkOutputPaths', () => {
  it('skips outputs not given and accepts devices and new files, creating nothing', async () => {
    await checkOutputPaths(
      dir,
      [{ what: 'the study module', path: 'quad.mjs' }],
      [
        { flag: '--out', path: undefined },
        { flag: '--csv', path: '/dev/null' },
        { flag: '--html', path: 'new.html' },
      ],
    );
    expect(existsSync(join(dir, 'new.html'))).toBe(false);
  });
});
