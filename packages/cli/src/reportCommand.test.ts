import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileStorage } from '@webtune/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstNonBlankLine, readSavedStudy } from './reportCommand.js';

// `webtune report`, run as the built binary on files a real `webtune run` wrote: `npm run build` first.
const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const cli = join(root, 'packages/cli/dist/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'webtune-report-'));

function webtune(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const read = (file: string) => readFileSync(join(dir, file));

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  writeFileSync(
    join(dir, 'quad.mjs'),
    `export const space = { x: { type: 'float', low: -5, high: 5 }, k: { type: 'int', low: 1, high: 9 } };
     export const objective = ({ x, k }) => { if (k === 9) throw new Error('k too big'); return (x - 1) ** 2 + k / 10; };`,
  );
  const r = webtune(
    ...['run', 'quad.mjs', '-s', 'random', '--seed', '3', '-n', '12', '-q'],
    ...['--storage', 'q.jsonl', '-o', 'q.json', '--csv', 'run.csv'],
  );
  if (r.code !== 0) throw new Error(`webtune run failed: ${r.stderr}`);
});

// Each case spawns node; on a loaded 2-core machine a case can take seconds.
describe('webtune report', { timeout: 60_000 }, () => {
  it('summarises a --storage journal and writes its HTML report and CSV, leaving the journal as it was', () => {
    const journal = read('q.jsonl');
    const r = webtune('report', 'q.jsonl', '--html', 'q.html', '--csv', 'q.csv');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(
      `${join(dir, 'q.jsonl')}: journal of a study to minimize, strategy random, seed 3`,
    );
    expect(lines[1]).toMatch(/^12 trials with random: \d+ complete, \d+ failed, 0 pruned$/);
    expect(lines[2]).toBe('best trial:');
    expect(r.stdout).toMatch(/\nimportance: x \d\.\d\d · k \d\.\d\d\n/);
    expect(r.stdout).toMatch(
      new RegExp(`\nreport: ${join(dir, 'q.html')}\ncsv: ${join(dir, 'q.csv')}\n$`),
    );
    const html = read('q.html').toString();
    expect(html).toContain('<title>webtune report — random</title>');
    expect(html).toMatch(
      /id="importance" data-trials="[\d ]+"><h2>Importance<\/h2><p class="note">fANOVA/,
    );
    expect(read('q.csv').toString()).toBe(read('run.csv').toString());
    expect(read('q.jsonl')).toEqual(journal);
  });

  it('reads the study JSON of --out to the same summary, report data and CSV', () => {
    const fromJournal = webtune('report', 'q.jsonl', '--html', 'a.html', '--csv', 'a.csv');
    const fromJSON = webtune('report', 'q.json', '--html', 'b.html', '--csv', 'b.csv');
    expect(fromJSON.code).toBe(0);
    const body = (out: string) => out.split('\n').slice(1, -3).join('\n');
    expect(fromJSON.stdout.split('\n', 1)[0]).toBe(
      `${join(dir, 'q.json')}: study JSON of a study to minimize, strategy random, seed 3`,
    );
    expect(body(fromJSON.stdout)).toBe(body(fromJournal.stdout));
    const data = (file: string) =>
      JSON.parse(
        read(file)
          .toString()
          .match(/id="study-data">(.*)<\/script>/)![1]!,
      );
    expect(data('b.html')).toEqual(data('a.html'));
    expect(data('b.html')).toEqual(JSON.parse(read('q.json').toString()));
    expect(read('b.csv').toString()).toBe(read('a.csv').toString());
  });

  it('reads a live journal without touching it: running trials stay running, an incomplete last line is ignored', () => {
    const lines = read('q.jsonl').toString().split('\n');
    const running = { ...JSON.parse(lines[1]!).trial, number: 12, startedAt: Date.now() };
    writeFileSync(
      join(dir, 'live.jsonl'),
      `${lines.slice(0, -1).join('\n')}\n${JSON.stringify({ op: 'create', trial: running })}\n`,
    );
    appendFileSync(join(dir, 'live.jsonl'), '{"op":"update","trial":{"num');
    const before = read('live.jsonl');
    const r = webtune('report', 'live.jsonl', '--no-importance');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /\n13 trials with random: \d+ complete, \d+ failed, 0 pruned, 1 running\n/,
    );
    expect(r.stdout).not.toContain('importance');
    expect(r.stderr).toMatch(
      /^webtune: warning: fileStorage: .*live\.jsonl: line 27 is incomplete .*; ignored it \(read-only: the file is left as it is\)/,
    );
    expect(read('live.jsonl')).toEqual(before);
  });

  it('says why there is no importance, in one line, when fewer than 2 trials completed', () => {
    const one = JSON.parse(read('q.json').toString());
    one.trials = one.trials.filter((t: { state: string }) => t.state === 'complete').slice(0, 1);
    writeFileSync(join(dir, 'one.json'), JSON.stringify(one));
    const r = webtune('report', 'one.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('importance: needs at least 2 complete trials (this study has 1)\n');
  });

  it('names the path in one line for a missing file, other JSON, text, a corrupt journal or an output over the input', () => {
    const lines = read('q.jsonl').toString().split('\n');
    lines[3] = '{"op":"update","trial":{"number":0,';
    writeFileSync(join(dir, 'bad.jsonl'), lines.join('\n'));
    writeFileSync(join(dir, 'other.json'), '{"name":"not a study","trials":[]}');
    writeFileSync(join(dir, 'notes.txt'), 'hello\nworld\n');
    const bad = JSON.parse(read('q.json').toString());
    bad.trials[2].state = 'done';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const cases: [string[], number, string][] = [
      [['nope.json'], 1, `webtune: ${join(dir, 'nope.json')}: no such file`],
      [
        ['other.json'],
        1,
        `webtune: ${join(dir, 'other.json')}: not a study JSON (webtune run --out): study direction (undefined) is not minimize or maximize`,
      ],
      [
        ['bad.json'],
        1,
        `webtune: ${join(dir, 'bad.json')}: not a study JSON (webtune run --out): trials[2]: trial 2: state ("done") is not running | complete | failed | pruned`,
      ],
      [
        ['notes.txt'],
        1,
        `webtune: ${join(dir, 'notes.txt')}: neither a study JSON (webtune run --out) nor a journal (webtune run --storage): not JSON (`,
      ],
      [
        ['bad.jsonl'],
        1,
        `webtune: corrupt journal: fileStorage: ${join(dir, 'bad.jsonl')} line 4 is not valid JSON (`,
      ],
      [['q.jsonl', '--html', 'q.jsonl'], 2, 'webtune: --html (q.jsonl) is the study file'],
    ];
    for (const [args, code, message] of cases) {
      const r = webtune('report', ...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.split('\n')).toHaveLength(2);
      expect(r.stderr.startsWith(message), r.stderr).toBe(true);
      expect(r.stdout).toBe('');
    }
    expect(read('bad.jsonl').toString()).toBe(lines.join('\n'));
  });

  it('tells a journal by its first non-blank line, as core reads it: a leading blank line is a journal, not "not JSON"', async () => {
    const path = join(dir, 'blank.jsonl');
    writeFileSync(path, `\n${read('q.jsonl').toString()}`);
    // Whatever core's reader makes of the blank line, the report says the same, as a journal.
    const core = await fileStorage(path, { readOnly: true, fsync: false })
      .getTrials()
      .then(
        (trials) => ({ trials }),
        (error: Error) => ({ error: error.message.split('\n')[0]! }),
      );
    if ('trials' in core) {
      const saved = await readSavedStudy(path);
      expect(saved.kind).toBe('journal');
      expect(saved.trials).toEqual(core.trials);
    } else {
      expect(core.error).toContain('line 1');
      await expect(readSavedStudy(path)).rejects.toThrow(`corrupt journal: ${core.error}`);
    }
  });
});

describe('firstNonBlankLine', () => {
  it('skips blank lines and leading spaces; undefined for a blank file', async () => {
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    expect(await firstNonBlankLine(file('h1', '\n  \n\t {"op":"study"}\nrest\n'))).toBe(
      '{"op":"study"}',
    );
    expect(await firstNonBlankLine(file('h2', 'no line break'))).toBe('no line break');
    expect(await firstNonBlankLine(file('h3', ' \n\n \t\n'))).toBeUndefined();
    expect(await firstNonBlankLine(file('h4', ''))).toBeUndefined();
    // A line across 4 KB chunks, with a two-byte character split between them.
    const long = `${'a'.repeat(4095)}é${'b'.repeat(5000)}`;
    expect(await firstNonBlankLine(file('h5', `\n${long}\nnext`))).toBe(long);
  });

  it('reads only the head: the study line of a 3 GiB (sparse) file comes back without reading the rest', async () => {
    const path = join(dir, 'huge.jsonl');
    const line = read('q.jsonl').toString().split('\n')[0]!;
    writeFileSync(path, `${line}\n`);
    truncateSync(path, 3 * 2 ** 30);
    try {
      expect(await firstNonBlankLine(path)).toBe(line);
    } finally {
      rmSync(path);
    }
  });

  it('lets the file system error through (a missing file, a directory)', async () => {
    await expect(firstNonBlankLine(join(dir, 'absent'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(firstNonBlankLine(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
