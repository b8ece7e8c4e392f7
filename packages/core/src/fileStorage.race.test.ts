import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fileStorage } from './fileStorage.js';

// Real processes racing for a stale lock: the contenders run the built package (`npm run build`).
const dist = resolve(fileURLToPath(import.meta.url), '../../dist/node.js');
const dir = mkdtempSync(join(tmpdir(), 'webtune-lock-race-'));
const CONTENDERS = 8;
const ROUNDS = 40;

/**
 * A contender: on `take <path>` it opens the journal, records the study and trial 0 and answers
 * `won`, or `lost <why>`; it keeps the lock until `release`, so every contender of a round tries
 * while the winner holds it.
 */
const contender = `
import { createInterface } from 'node:readline';
import { fileStorage } from ${JSON.stringify(pathToFileURL(dist).href)};
const meta = { direction: 'minimize', space: { x: { type: 'float', low: 0, high: 1 } }, strategy: 'race', seed: 0 };
let held;
for await (const line of createInterface({ input: process.stdin })) {
  const [command, path] = line.split(' ');
  if (command === 'take') {
    const storage = fileStorage(path, { fsync: false, onWarning: () => {} });
    try {
      await storage.openStudy(meta);
      await storage.createTrial({ number: 0, params: { x: 0.5 }, state: 'running', intermediate: [], userAttrs: {}, startedAt: 1 });
      held = storage;
      console.log('won');
    } catch (error) {
      console.log('lost ' + error.message.split('\\n')[0]);
    }
  } else {
    await held?.close();
    held = undefined;
    console.log('released');
  }
}
`;

let children: { process: ChildProcessWithoutNullStreams; next: () => Promise<string> }[] = [];

beforeAll(() => {
  if (!existsSync(dist)) throw new Error(`${dist} is missing: run npm run build first`);
  const script = join(dir, 'contender.mjs');
  writeFileSync(script, contender);
  children = Array.from({ length: CONTENDERS }, () => {
    const child = spawn(process.execPath, [script]);
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    return {
      process: child,
      next: async () => {
        const { value, done } = await lines.next();
        if (done) throw new Error(`a contender exited: ${child.stderr.read()?.toString() ?? ''}`);
        return value as string;
      },
    };
  });
});

afterAll(() => {
  for (const child of children) child.process.stdin.end();
});

it(`${CONTENDERS} processes starting together on a stale lock: exactly one takes it over, ${ROUNDS} times out of ${ROUNDS}, and the journal stays readable`, {
  timeout: 120_000,
}, async () => {
  /** A pid no process has (one that just exited). */
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const stale = `${JSON.stringify({ pid: dead, host: hostname(), since: '2026-01-01T00:00:00.000Z' })}\n`;
  const winners: number[] = [];
  const unreadable: string[] = [];
  const losses = new Set<string>();
  for (let round = 0; round < ROUNDS; round++) {
    const path = join(dir, `round-${round}.jsonl`);
    writeFileSync(`${path}.lock`, stale);
    for (const child of children) child.process.stdin.write(`take ${path}\n`);
    const answers = await Promise.all(children.map((child) => child.next()));
    winners.push(answers.filter((a) => a === 'won').length);
    for (const a of answers) if (a !== 'won') losses.add(a.replace(/process \d+/, 'process N'));
    for (const child of children) child.process.stdin.write('release\n');
    await Promise.all(children.map((child) => child.next()));
    try {
      const trials = await fileStorage(path, { readOnly: true }).getTrials();
      if (trials.length !== 1) unreadable.push(`${path}: ${trials.length} trials`);
    } catch (error) {
      unreadable.push((error as Error).message);
    }
  }
  const count = (f: (n: number) => boolean) => winners.filter(f).length;
  expect({
    'rounds with one winner': count((n) => n === 1),
    'rounds with two or more': count((n) => n > 1),
    'unreadable journals': unreadable.length,
  }).toEqual({
    'rounds with one winner': ROUNDS,
    'rounds with two or more': 0,
    'unreadable journals': 0,
  });
  // Every loser saw the winner's lock: none gave up while the takeover was in progress.
  for (const loss of losses) expect(loss).toMatch(/^lost fileStorage: .* is in use: /);
});
