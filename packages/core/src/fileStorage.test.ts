import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, SpaceJSON } from '@webtune/space';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileStorage } from './fileStorage.js';
import { createRng } from './rng.js';
import { createStudy, STALE_TRIAL_ERROR, type StudyOptions } from './study.js';
import type { FrozenTrial, Strategy, StudyMeta, TrialChange } from './types.js';

/** Counts the journal's fdatasync calls (passing them on). */
const datasyncs = vi.hoisted(() => vi.fn());
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fdatasync = (...args: Parameters<typeof fs.fdatasync>) => {
    datasyncs();
    return fs.fdatasync(...args);
  };
  return { ...fs, default: { ...fs, fdatasync }, fdatasync };
});

const dir = mkdtempSync(join(tmpdir(), 'webtune-journal-'));
let files = 0;
const fresh = () => join(dir, `study-${files++}.jsonl`);

const space: SpaceJSON = {
  x: { type: 'float', low: -5, high: 5 },
  opt: { type: 'categorical', choices: ['adam', 'sgd'] },
};
const x = (c: Config) => c.x as number;

/** Seeded draws from a stream per trial number. */
const sampler = (): Strategy => ({
  name: 'test-sampler',
  async suggest({ space: s, seed, trials, count }) {
    return Array.from({ length: count }, (_, i) =>
      s.sample(createRng(seed).fork(trials.length + i)),
    );
  },
});

/** A study on the journal at `path`; warnings land in `warnings`. */
function study(path: string, warnings: string[] = [], more: Partial<StudyOptions> = {}) {
  const storage = fileStorage(path, { onWarning: (m) => warnings.push(m), fsync: false });
  return createStudy({ space, strategy: sampler(), seed: 1, storage, ...more });
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);

/** Trial 0 as just started, with `params`. */
const started = (params: Config): FrozenTrial => ({
  number: 0,
  params,
  state: 'running',
  intermediate: [],
  userAttrs: {},
  startedAt: 1,
});

/** A record in brief: `create 0 running`, `update 0 complete` (whole trial), `update 0 set,append` (a delta). */
const brief = (r: Record<string, unknown>) => {
  const trial = r.trial as { number: number; state: string } | undefined;
  if (trial) return `${r.op} ${trial.number} ${trial.state}`;
  return `${r.op} ${r.number} ${Object.keys(r).slice(2).join(',')}`;
};

describe('fileStorage', () => {
  it('journals the study and every trial change, one JSON line each, and reads them back', async () => {
    const path = fresh();
    const s = study(path);
    await s.optimize(
      (p, trial) => {
        trial.report(0, 2);
        trial.setUserAttr('note', { n: [1, 'a'] });
        return x(p);
      },
      { trials: 2 },
    );
    const records = lines(path).map((l) => JSON.parse(l));
    expect(records[0]).toEqual({
      op: 'study',
      format: 'webtune-journal/1',
      study: { direction: 'minimize', space: s.space.toJSON(), strategy: 'test-sampler', seed: 1 },
    });
    expect(records.slice(1).map(brief)).toEqual([
      'create 0 running',
      'update 0 attrs,append',
      'update 0 set',
      'create 1 running',
      'update 1 attrs,append',
      'update 1 set',
    ]);
    expect(records[2]).toEqual({
      op: 'update',
      number: 0,
      attrs: { note: { n: [1, 'a'] } },
      append: [[0, 2]],
    });
    expect(records[3]).toEqual({
      op: 'update',
      number: 0,
      set: {
        state: 'complete',
        value: x(s.trials[0]!.params),
        durationMs: s.trials[0]!.durationMs,
      },
    });
    const back = await fileStorage(path).getTrials();
    expect(back).toEqual(s.trials);
    expect(Object.isFrozen(back[0]?.params)).toBe(true);
  });

  it('resumes: a new study on the journal adopts its trials and numbers on', async () => {
    const path = fresh();
    const first = study(path);
    await first.optimize((p) => x(p), { trials: 3 });
    const second = study(path);
    expect((await second.load()).trials).toEqual(first.trials);
    await second.optimize((p) => x(p), { trials: 2 });
    expect(second.trials.map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
    expect(await fileStorage(path).getTrials()).toEqual(second.trials);
  });

  it('fails trials left running by a dead process, and journals that', async () => {
    const path = fresh();
    const first = study(path);
    await first.tell((await first.ask())!, 1);
    await first.ask();
    const second = study(path);
    expect((await second.load()).stale).toEqual([1]);
    expect(second.trials[1]).toMatchObject({ state: 'failed', error: STALE_TRIAL_ERROR });
    expect(JSON.parse(lines(path).at(-1)!)).toEqual({
      op: 'update',
      number: 1,
      set: { state: 'failed', error: STALE_TRIAL_ERROR },
    });
  });

  it('drops an incomplete last line with a warning, cuts it from the file and goes on', async () => {
    const path = fresh();
    await study(path).optimize((p) => x(p), { trials: 2 });
    const before = readFileSync(path, 'utf8');
    appendFileSync(path, '{"op":"update","trial":{"number":1,"par');
    const warnings: string[] = [];
    const s = study(path, warnings);
    expect((await s.load()).trials).toHaveLength(2);
    expect(warnings).toEqual([
      `fileStorage: ${path}: line 6 is incomplete (the process stopped mid-write?); dropped it: {"op":"update","trial":{"number":1,"par`,
    ]);
    expect(readFileSync(path, 'utf8')).toBe(before);
    await s.optimize((p) => x(p), { trials: 1 });
    const again: string[] = [];
    expect((await study(path, again).load()).trials).toHaveLength(3);
    expect(again).toEqual([]);
  });

  it('a bad line before the last is an error naming the file and line, before any trial runs', async () => {
    const path = fresh();
    await study(path).optimize((p) => x(p), { trials: 2 });
    const all = lines(path);
    all.splice(2, 0, '{"op":"update","trial":{"number":0,');
    writeFileSync(path, `${all.join('\n')}\n`);
    let ran = 0;
    await expect(study(path).optimize(() => ++ran, { trials: 1 })).rejects.toThrow(
      `fileStorage: ${path} line 3 is not valid JSON (`,
    );
    expect(ran).toBe(0);

    all[2] = '{"op":"delete","trial":{}}';
    writeFileSync(path, `${all.join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      `fileStorage: ${path} line 3 is not a valid journal record: op "delete" is not "create" or "update": {"op":"delete","trial":{}}`,
    );
    all[2] = all[1]!; // trial 0 created twice: two writers
    writeFileSync(path, `${all.join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      `line 3 is not a valid journal record: trial 0 is created a second time (did two processes write this journal?)`,
    );
    all[2] = all[1]!.replace('"state":"running"', '"state":"done"');
    writeFileSync(path, `${all.join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      'line 3 is not a valid journal record: trial 0: state ("done") is not running | complete | failed | pruned',
    );
    all[2] = '{"op":"update","number":0,"append":[[1,null]]}';
    writeFileSync(path, `${all.join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      'line 3 is not a valid journal record: trial 0: append ([[1,null]]) is not an array of [step, value]',
    );
    all[2] = '{"op":"update","number":0,"set":{"params":{}}}';
    writeFileSync(path, `${all.join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      'line 3 is not a valid journal record: trial 0: set.params ({}) is not a field a delta sets (state, value, error, startedAt, durationMs)',
    );
    all[2] = '{"op":"update","number":7,"set":{"state":"failed"}}';
    writeFileSync(path, `${all.join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      'line 3 is not a valid journal record: trial 7 is updated before it is created',
    );
  });

  it('refuses to resume with another direction or space, naming both; warns on strategy and seed', async () => {
    const path = fresh();
    await study(path).optimize((p) => x(p), { trials: 1 });
    await expect(study(path, [], { direction: 'maximize' }).load()).rejects.toThrow(
      `fileStorage: ${path} holds a study with direction "minimize", but this study's direction is "maximize"`,
    );
    const other = { ...space, x: { type: 'float', low: -5, high: 6 } } as SpaceJSON;
    await expect(study(path, [], { space: other }).load()).rejects.toThrow(
      `fileStorage: ${path} holds a study with a different space (x is {"type":"float","low":-5,"high":5} there, {"type":"float","low":-5,"high":6} here): stored {`,
    );
    await expect(
      study(path, [], { space: { ...space, y: { type: 'int', low: 0, high: 1 } } }).load(),
    ).rejects.toThrow('different space (y only in this study)');
    const warnings: string[] = [];
    const named = { ...sampler(), name: 'other' };
    await study(path, warnings, { strategy: named, seed: 2 }).load();
    expect(warnings).toEqual([
      `fileStorage: ${path} was written with strategy "test-sampler"; continuing with "other"`,
      `fileStorage: ${path} was written with seed 1; continuing with seed 2`,
    ]);
  });

  it('warns when the parameters are declared in another order, naming both orders', async () => {
    const path = fresh();
    await study(path).optimize((p) => x(p), { trials: 1 });
    const warnings: string[] = [];
    const reordered: SpaceJSON = { opt: space.opt!, x: space.x! };
    await study(path, warnings, { space: reordered }).load();
    expect(warnings).toEqual([
      `fileStorage: ${path} was written with the parameters in the order x, opt; continuing with opt, x (strategies encode parameters in declaration order, so the continuation differs from an uninterrupted run)`,
    ]);
  });

  it('with 4 trials in flight writes each trial created once and finished once', async () => {
    const path = fresh();
    const s = study(path);
    const rng = createRng(9);
    await s.optimize(
      async (p) => {
        await new Promise((r) => setTimeout(r, rng.int(5)));
        return x(p);
      },
      { trials: 20, concurrency: 4 },
    );
    const records = lines(path)
      .slice(1)
      .map((l) => JSON.parse(l));
    const creates = records.filter((r) => r.op === 'create').map((r) => r.trial.number);
    const finishes = records
      .filter((r) => r.op === 'update' && r.set?.state === 'complete')
      .map((r) => r.number);
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect([...creates].sort((a, b) => a - b)).toEqual(all);
    expect([...finishes].sort((a, b) => a - b)).toEqual(all);
    expect(records).toHaveLength(40);
    expect(await fileStorage(path).getTrials()).toEqual(s.trials);
  });

  it('a value JSON cannot hold is refused by name and leaves the journal valid', async () => {
    // trial.setUserAttr refuses it already; this is a storage used directly.
    const path = fresh();
    const s = study(path);
    const t = (await s.ask())!;
    const bad = { state: 'complete' as const, value: 1, userAttrs: { score: Number.NaN } };
    await expect(s.storage.updateTrial(0, bad)).rejects.toThrow(
      `fileStorage: ${path}: trial 0: score (NaN) is not a JSON value`,
    );
    await s.tell(t, 1);
    // The completion carrying the attribute was not written; the next one was.
    expect((await fileStorage(path).getTrials()).map((r) => r.state)).toEqual(['complete']);
  });

  it('guards its own contract and validates its arguments up front', async () => {
    const path = fresh();
    const storage = fileStorage(path, { fsync: false });
    const trial = started({});
    await expect(storage.createTrial(trial)).rejects.toThrow(
      `fileStorage: ${path}: openStudy() must come before the first trial (createStudy calls it)`,
    );
    await storage.openStudy?.({ direction: 'minimize', space, strategy: 's', seed: 0 });
    expect((await storage.createTrial(trial))?.number).toBe(0);
    expect((await storage.createTrial(trial))?.number).toBe(1);
    await expect(storage.updateTrial(2, { state: 'failed', error: 'x' })).rejects.toThrow(
      `fileStorage: ${path}: no trial 2 to update`,
    );
    await storage.updateTrial(0, { state: 'complete', value: 1 });
    await expect(storage.updateTrial(0, { state: 'failed', error: 'late' })).rejects.toThrow(
      `fileStorage: ${path}: trial 0 is already finished (complete); nothing was written`,
    );
    expect(() => fileStorage('')).toThrow('fileStorage: path ("") must be a non-empty string');
    for (const bad of ['yes', { everyMs: 0 }, { everyMs: Number.NaN }, null]) {
      expect(() => fileStorage(path, { fsync: bad as never })).toThrow(
        `fileStorage: fsync (${JSON.stringify(bad)}) must be 'always' (or true), 'never' (or false) or { everyMs } with everyMs a number > 0`,
      );
    }
  });

  it("fsync: 'always' syncs each record, { everyMs } at most once per window and on close(), 'never' not at all", async () => {
    const spy = datasyncs;
    try {
      const synced: Record<string, number> = {};
      for (const [name, fsync] of [
        ['always', 'always'],
        ['everyMs', { everyMs: 60_000 }],
        ['never', 'never'],
      ] as const) {
        spy.mockClear();
        const path = fresh();
        const storage = fileStorage(path, { fsync });
        const s = createStudy({ space, strategy: sampler(), storage });
        await s.optimize((p) => x(p), { trials: 5 });
        // Every write is with the OS once it resolves, synced or not: another reader sees it.
        expect(lines(path)).toHaveLength(1 + 2 * 5);
        synced[name] = spy.mock.calls.length;
        await storage.close();
        synced[`${name} after close`] = spy.mock.calls.length;
      }
      expect(synced).toEqual({
        always: 11,
        'always after close': 11,
        everyMs: 0,
        'everyMs after close': 1,
        never: 0,
        'never after close': 0,
      });
    } finally {
      spy.mockClear();
    }
  });

  it('fsync: { everyMs } syncs what was written once the window has passed', async () => {
    const spy = datasyncs;
    try {
      const storage = fileStorage(fresh(), { fsync: { everyMs: 20 } });
      const s = createStudy({ space, strategy: sampler(), storage });
      await s.optimize((p) => x(p), { trials: 3 });
      expect(spy).not.toHaveBeenCalled();
      await vi.waitFor(() => expect(spy).toHaveBeenCalledTimes(1));
      await storage.close();
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockClear();
    }
  });

  it('fsync: true (the default) writes the same journal', async () => {
    const path = fresh();
    const s = createStudy({ space, strategy: sampler(), storage: fileStorage(path) });
    await s.optimize((p) => x(p), { trials: 2 });
    expect(await fileStorage(path).getTrials()).toEqual(s.trials);
  });

  it('readOnly reads the study and its trials without changing a byte, even an incomplete last line', async () => {
    const path = fresh();
    const s = study(path);
    await s.optimize((p) => x(p), { trials: 2 });
    await s.ask(); // left running, as by a live or killed run
    appendFileSync(path, '{"op":"update","trial":{"number":1,"par');
    const before = readFileSync(path);
    const mtime = statSync(path).mtimeMs;
    const warnings: string[] = [];
    const ro = fileStorage(path, { readOnly: true, onWarning: (m) => warnings.push(m) });
    expect(await ro.getStudy()).toEqual({
      direction: 'minimize',
      space: s.space.toJSON(),
      strategy: 'test-sampler',
      seed: 1,
    });
    expect(await ro.getTrials()).toEqual(s.trials);
    expect((await ro.getTrials()).map((t) => t.state)).toEqual(['complete', 'complete', 'running']);
    expect(warnings).toEqual([
      `fileStorage: ${path}: line 7 is incomplete (the process stopped mid-write?); ignored it (read-only: the file is left as it is): {"op":"update","trial":{"number":1,"par`,
    ]);
    const trial = s.trials[2]!;
    await expect(ro.updateTrial(2, { state: 'failed', error: 'x' })).rejects.toThrow(
      `fileStorage: ${path}: opened read-only, so it cannot update trial 2`,
    );
    await expect(ro.createTrial(trial)).rejects.toThrow(
      `fileStorage: ${path}: opened read-only, so it cannot create a trial`,
    );
    // A study on it loads (same metadata: nothing to write) but cannot fail its stale trial.
    const resumed = createStudy({ space, strategy: sampler(), seed: 1, storage: ro });
    await expect(resumed.load()).rejects.toThrow('opened read-only, so it cannot update trial 2');
    expect(readFileSync(path)).toEqual(before);
    expect(statSync(path).mtimeMs).toBe(mtime);
  });

  it('readOnly refuses a missing file and an empty journal, and creates neither', async () => {
    const missing = fresh();
    const ro = fileStorage(missing, { readOnly: true });
    await expect(ro.getTrials()).rejects.toThrow(
      `fileStorage: ${missing}: no such file (a read-only journal must exist)`,
    );
    expect(existsSync(missing)).toBe(false);
    const empty = fresh();
    writeFileSync(empty, '');
    const roEmpty = fileStorage(empty, { readOnly: true });
    expect(await roEmpty.getStudy()).toBeUndefined();
    await expect(
      roEmpty.openStudy?.({ direction: 'minimize', space, strategy: 's', seed: 0 }),
    ).rejects.toThrow(`fileStorage: ${empty}: opened read-only, so it cannot record a new study`);
    expect(readFileSync(empty, 'utf8')).toBe('');
    expect(() => fileStorage(empty, { readOnly: 1 as never })).toThrow(
      'fileStorage: readOnly (1) must be a boolean',
    );
  });

  it('a file that is not a journal is an error naming it, and is left byte for byte', async () => {
    const journal = fresh();
    await study(journal).optimize((p) => x(p), { trials: 1 });
    const records = lines(journal);
    const cases: [string, string][] = [
      ['first line\nlast line, no newline', 'not JSON: first line'],
      [`${JSON.stringify({ direction: 'minimize', trials: [] }, null, 2)}`, 'not JSON: {'], // run --out, cut short
      [
        '{"direction":"minimize","trials":[]}\n',
        'not a {"op":"study","format":"webtune-journal/1",…} line: {"direction":"minimize","trials":[]}',
      ],
      [`\n${records.join('\n')}\n`, 'not JSON: an empty line'],
      [
        `${records.slice(1).join('\n')}\n{"op":"upd`,
        'not a {"op":"study","format":"webtune-journal/1",…} line: {"op":"create"',
      ],
      [
        '{"op":"study","format":"webtune-journal/9","study":{}}\n{"op":"cr',
        'format "webtune-journal/9" is not "webtune-journal/1"',
      ],
      [
        '{"op":"study","format":"webtune-journal/1","study":{"direction":"up"}}\n',
        'study direction ("up") is not minimize or maximize',
      ],
      [
        '{"op":"study","format":"webtune-jour',
        'an incomplete study line, the process stopped while creating the journal? Remove the file to start a new one: {"op":"study","format":"webtune-jour',
      ],
    ];
    for (const [text, why] of cases) {
      const path = fresh();
      writeFileSync(path, text);
      const mtime = statSync(path).mtimeMs;
      let ran = 0;
      const error = await study(path)
        .optimize(() => ++ran, { trials: 1 })
        .catch((e: Error) => e);
      expect((error as Error).message).toContain(
        `fileStorage: ${path} is not a webtune journal (line 1: ${why}`,
      );
      expect((error as Error).message).not.toContain('corrupt');
      expect(ran).toBe(0);
      expect(readFileSync(path, 'utf8')).toBe(text);
      expect(statSync(path).mtimeMs).toBe(mtime);
      expect(existsSync(`${path}.lock`)).toBe(false);
    }
  });

  it('an unterminated last line is cut only when it starts like a record; other text is an error that changes nothing', async () => {
    const path = fresh();
    await study(path).optimize((p) => x(p), { trials: 1 });
    const journal = readFileSync(path, 'utf8');
    for (const torn of ['{"o', '{"op":"upd', '\0\0\0\0']) {
      appendFileSync(path, torn);
      const warnings: string[] = [];
      expect(
        await fileStorage(path, { onWarning: (m) => warnings.push(m) }).getTrials(),
      ).toHaveLength(1);
      expect(warnings).toEqual([
        `fileStorage: ${path}: line 4 is incomplete (the process stopped mid-write?); dropped it: ${torn}`,
      ]);
      expect(readFileSync(path, 'utf8')).toBe(journal);
    }
    appendFileSync(path, 'my notes');
    const before = readFileSync(path, 'utf8');
    await expect(study(path).load()).rejects.toThrow(
      `fileStorage: ${path} line 4 (the last, with no newline) is not a journal record: my notes; the file is left as it is: repair or remove that line`,
    );
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('fs errors name the path: a directory, a path through a file', async () => {
    await expect(fileStorage(dir).getTrials()).rejects.toThrow(
      `fileStorage: ${dir}: cannot read the journal: it is a directory`,
    );
    const file = fresh();
    writeFileSync(file, '');
    const through = join(file, 's.jsonl');
    await expect(fileStorage(through).getTrials()).rejects.toThrow(
      `fileStorage: ${through}: cannot read the journal: ENOTDIR: not a directory, stat '${through}'`,
    );
    const nowhere = join(dir, 'no-such-dir', 's.jsonl');
    await expect(fileStorage(nowhere).getTrials()).rejects.toThrow(
      `fileStorage: ${nowhere}: cannot create the lock file ${nowhere}.lock: ENOENT`,
    );
  });

  it('a report appends only itself: one short record each, so the journal grows linearly', async () => {
    const path = fresh();
    const storage = fileStorage(path, { fsync: false });
    await storage.openStudy({ direction: 'minimize', space, strategy: 's', seed: 0 });
    let trial = (await storage.createTrial(started({ x: 1, opt: 'adam' })))!;
    for (let step = 0; step < 100; step++) {
      trial = { ...trial, intermediate: [...trial.intermediate, { step, value: step / 3 }] };
      await storage.updateTrial(0, { intermediate: [{ step, value: step / 3 }] });
    }
    expect(lines(path).slice(2)).toEqual(
      Array.from({ length: 100 }, (_, i) =>
        JSON.stringify({ op: 'update', number: 0, append: [[i, i / 3]] }),
      ),
    );
    expect(await fileStorage(path, { readOnly: true }).getTrials()).toEqual([trial]);
  });

  it('a study whose trials report as they run journals every report once, in order', async () => {
    const path = fresh();
    const s = study(path);
    await s.optimize(
      async (p, trial) => {
        for (let step = 0; step < 30; step++) {
          trial.report(step, step / 3);
          await new Promise((r) => setTimeout(r, 0));
        }
        return x(p);
      },
      { trials: 2 },
    );
    const updates = lines(path)
      .map((l) => JSON.parse(l))
      .filter((r) => r.op === 'update');
    for (const n of [0, 1]) {
      const appended = updates.filter((r) => r.number === n).flatMap((r) => r.append ?? []);
      expect(appended).toEqual(Array.from({ length: 30 }, (_, i) => [i, i / 3]));
    }
    expect(await fileStorage(path, { readOnly: true }).getTrials()).toEqual(s.trials);
  });

  it('writes each change as one delta, and nothing when nothing changed', async () => {
    const path = fresh();
    const storage = fileStorage(path, { fsync: false });
    await storage.openStudy({ direction: 'minimize', space, strategy: 's', seed: 0 });
    const t0 = (await storage.createTrial(started({ x: 1, opt: 'adam' })))!;
    const changes: [TrialChange, FrozenTrial][] = [
      [{}, t0],
      [
        { userAttrs: JSON.parse('{"a":[1],"__proto__":2}') },
        { ...t0, userAttrs: JSON.parse('{"a":[1],"__proto__":2}') },
      ],
      [
        { intermediate: [{ step: 0, value: 1 }] },
        {
          ...t0,
          userAttrs: JSON.parse('{"a":[1],"__proto__":2}'),
          intermediate: [{ step: 0, value: 1 }],
        },
      ],
      [
        // A step already held keeps its first value: nothing to write.
        { intermediate: [{ step: 0, value: 5 }] },
        {
          ...t0,
          userAttrs: JSON.parse('{"a":[1],"__proto__":2}'),
          intermediate: [{ step: 0, value: 1 }],
        },
      ],
      [
        { state: 'failed', error: 'e', durationMs: 4 },
        {
          ...t0,
          userAttrs: JSON.parse('{"a":[1],"__proto__":2}'),
          intermediate: [{ step: 0, value: 1 }],
          state: 'failed',
          error: 'e',
          durationMs: 4,
        },
      ],
    ];
    const written: string[] = [];
    for (const [change, t] of changes) {
      const n = lines(path).length;
      await storage.updateTrial(0, change);
      written.push(
        lines(path)
          .slice(n)
          .map((l) => brief(JSON.parse(l)))
          .join() || 'nothing',
      );
      const back = await fileStorage(path, { readOnly: true }).getTrials();
      expect(back).toEqual([t]);
      expect(Object.getPrototypeOf(back[0]?.userAttrs)).toBe(Object.prototype);
    }
    expect(written).toEqual([
      'nothing',
      'update 0 attrs',
      'update 0 append',
      'nothing',
      'update 0 set',
    ]);
  });

  it('opens journals written before deltas (whole-trial updates) and goes on with deltas', async () => {
    const path = fresh();
    const meta: StudyMeta = { direction: 'minimize', space, strategy: 'test-sampler', seed: 1 };
    const t0 = started({ x: 0.5, opt: 'sgd' });
    const r1 = { ...t0, intermediate: [{ step: 0, value: 2 }] };
    const done = {
      ...r1,
      userAttrs: { k: 'v' },
      state: 'complete' as const,
      value: 0.5,
      durationMs: 3,
    };
    const old = [
      { op: 'study', format: 'webtune-journal/1', study: meta },
      { op: 'create', trial: t0 },
      { op: 'update', trial: r1 },
      { op: 'update', trial: done },
      { op: 'create', trial: { ...t0, number: 1 } },
    ];
    writeFileSync(path, old.map((r) => `${JSON.stringify(r)}\n`).join(''));
    const warnings: string[] = [];
    const s = study(path, warnings);
    expect((await s.load()).trials).toEqual([
      done,
      { ...t0, number: 1, state: 'failed', error: STALE_TRIAL_ERROR },
    ]);
    await s.optimize(
      (p, trial) => {
        trial.report(0, 1);
        return x(p);
      },
      { trials: 1 },
    );
    expect(
      lines(path)
        .slice(old.length)
        .map((l) => brief(JSON.parse(l))),
    ).toEqual(['update 1 set', 'create 2 running', 'update 2 append', 'update 2 set']);
    expect(await fileStorage(path, { readOnly: true }).getTrials()).toEqual(s.trials);
    expect(warnings).toEqual([]);
  });
});

describe('fileStorage lock', () => {
  const host = hostname();
  let live: ChildProcess;
  /** A pid no process has (one that just exited). */
  let dead: number;
  beforeAll(() => {
    live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    dead = spawnSync(process.execPath, ['-e', '']).pid!;
  });
  afterAll(() => {
    live.kill();
  });
  const holder = (pid: number, on = host) =>
    JSON.stringify({ pid, host: on, since: '2026-01-01T00:00:00.000Z' });

  it('a journal another process writes fails to open, naming the lock file and its holder; readOnly needs no lock', async () => {
    const path = fresh();
    const s = study(path);
    await s.optimize((p) => x(p), { trials: 1 });
    await s.storage.close?.();
    const before = readFileSync(path, 'utf8');
    for (const [pid, on] of [
      [live.pid!, host],
      [dead, 'another-host'], // a process elsewhere cannot be checked: never taken over
    ] as const) {
      writeFileSync(`${path}.lock`, holder(pid, on));
      await expect(study(path).optimize((p) => x(p), { trials: 1 })).rejects.toThrow(
        `fileStorage: ${path} is in use: its lock file ${path}.lock says process ${pid} on ${on} (since 2026-01-01T00:00:00.000Z) is writing it; one process at a time writes a journal (remove the lock file only if that process is gone)`,
      );
      expect(readFileSync(path, 'utf8')).toBe(before);
      expect(readFileSync(`${path}.lock`, 'utf8')).toBe(holder(pid, on));
      expect(await fileStorage(path, { readOnly: true }).getTrials()).toEqual(s.trials);
    }
    writeFileSync(`${path}.lock`, '');
    await expect(study(path).load()).rejects.toThrow(
      `fileStorage: ${path} is locked by ${path}.lock, which does not say who holds it (""): another process may be creating it; remove it if no process is using the journal`,
    );
  });

  it('a stale lock is taken over with a warning; close() removes the lock, and a later call takes it again', async () => {
    const path = fresh();
    const lock = `${path}.lock`;
    writeFileSync(lock, holder(dead));
    const warnings: string[] = [];
    const s = study(path, warnings);
    await s.optimize((p) => x(p), { trials: 1 });
    expect(warnings).toEqual([
      `fileStorage: ${path}: took over the stale lock ${lock} of process ${dead} on ${host} (since 2026-01-01T00:00:00.000Z), which is no longer running`,
    ]);
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, host });
    await s.storage.close?.();
    expect(existsSync(lock)).toBe(false);
    writeFileSync(lock, holder(live.pid!));
    await expect(s.storage.getTrials()).rejects.toThrow(`fileStorage: ${path} is in use`);
    unlinkSync(lock);
    expect(await s.storage.getTrials()).toEqual(s.trials);
    expect(existsSync(lock)).toBe(true);
    await s.storage.close?.();
  });

  it('a takeover token left by a process killed mid-takeover is stale too; one a live process holds is waited for, then named', async () => {
    const path = fresh();
    const lock = `${path}.lock`;
    writeFileSync(lock, holder(dead));
    writeFileSync(`${lock}.takeover`, holder(dead));
    const s = study(path);
    await s.optimize((p) => x(p), { trials: 1 });
    expect(JSON.parse(readFileSync(lock, 'utf8'))).toMatchObject({ pid: process.pid, host });
    expect(existsSync(`${lock}.takeover`)).toBe(false);
    await s.storage.close?.();

    writeFileSync(lock, holder(dead));
    writeFileSync(`${lock}.takeover`, holder(live.pid!));
    await expect(study(path).load()).rejects.toThrow(
      `fileStorage: ${path}: could not take over the stale lock ${lock}: ${lock}.takeover says process ${live.pid} on ${host} (since 2026-01-01T00:00:00.000Z) is taking it over; remove ${lock}.takeover if no process is opening the journal`,
    );
    expect(readFileSync(lock, 'utf8')).toBe(holder(dead));
    unlinkSync(`${lock}.takeover`);
  });

  it('two storages of one process opening one journal at once share one lock', async () => {
    const path = fresh();
    writeFileSync(`${path}.lock`, holder(dead));
    const a = fileStorage(path, { fsync: false, onWarning: () => {} });
    const b = fileStorage(path, { fsync: false, onWarning: () => {} });
    await Promise.all([a.getTrials(), b.getTrials()]);
    const content = readFileSync(`${path}.lock`, 'utf8');
    await a.close();
    expect(readFileSync(`${path}.lock`, 'utf8')).toBe(content);
    await b.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('storages in one process share the lock: the last close removes it; exit removes what is left', async () => {
    const path = fresh();
    const lock = `${path}.lock`;
    const a = fileStorage(path, { fsync: false });
    const b = fileStorage(path, { fsync: false });
    await a.getTrials();
    await b.getTrials();
    await a.close();
    expect(existsSync(lock)).toBe(true);
    await b.close();
    expect(existsSync(lock)).toBe(false);
    // Without close(): the 'exit' listener removes it.
    await a.getTrials();
    const sub = join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    await fileStorage(join(sub, 'other.jsonl')).getTrials();
    const onExit = process.listeners('exit').find((f) => f.name === 'removeLocks');
    expect(onExit).toBeDefined();
    onExit!(0);
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(join(sub, 'other.jsonl.lock'))).toBe(false);
  });
});
