import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config, SpaceJSON } from '@webtune/space';
import { describe, expect, it } from 'vitest';
import { fileStorage } from './fileStorage.js';
import { createRng } from './rng.js';
import { createStudy, STALE_TRIAL_ERROR, type StudyOptions } from './study.js';
import type { Strategy } from './types.js';

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
    expect(records.slice(1).map((r) => `${r.op} ${r.trial.number} ${r.trial.state}`)).toEqual([
      'create 0 running',
      'update 0 running',
      'update 0 complete',
      'create 1 running',
      'update 1 running',
      'update 1 complete',
    ]);
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
    expect(JSON.parse(lines(path).at(-1)!)).toMatchObject({
      op: 'update',
      trial: { number: 1, state: 'failed', error: STALE_TRIAL_ERROR },
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
    writeFileSync(path, `${all.slice(1).join('\n')}\n`);
    await expect(study(path).load()).rejects.toThrow(
      `fileStorage: ${path} line 1 is not a valid journal record: the first record must be {"op":"study",…}`,
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
      .filter((r) => r.op === 'update' && r.trial.state === 'complete')
      .map((r) => r.trial.number);
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
    const bad = { ...s.trials[0]!, state: 'complete' as const, userAttrs: { score: Number.NaN } };
    await expect(s.storage.updateTrial(bad)).rejects.toThrow(
      `fileStorage: ${path}: trial 0: score (NaN) is not a JSON value`,
    );
    await s.tell(t, 1);
    // The completion carrying the attribute was not written; the next one was.
    expect((await fileStorage(path).getTrials()).map((r) => r.state)).toEqual(['complete']);
  });

  it('guards its own contract and validates its arguments up front', async () => {
    const path = fresh();
    const storage = fileStorage(path, { fsync: false });
    const trial = {
      number: 0,
      params: {},
      state: 'running' as const,
      intermediate: [],
      userAttrs: {},
      startedAt: 0,
    };
    await expect(storage.createTrial(trial)).rejects.toThrow(
      `fileStorage: ${path}: openStudy() must come before the first trial (createStudy calls it)`,
    );
    await storage.openStudy?.({ direction: 'minimize', space, strategy: 's', seed: 0 });
    await storage.createTrial(trial);
    await expect(storage.createTrial(trial)).rejects.toThrow(
      `fileStorage: ${path}: trial 0 already exists`,
    );
    await expect(storage.updateTrial({ ...trial, number: 1 })).rejects.toThrow(
      `fileStorage: ${path}: no trial 1 to update`,
    );
    expect(() => fileStorage('')).toThrow('fileStorage: path ("") must be a non-empty string');
    expect(() => fileStorage(path, { fsync: 'yes' as never })).toThrow(
      'fileStorage: fsync ("yes") must be a boolean',
    );
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
    await expect(ro.updateTrial({ ...trial, state: 'failed' })).rejects.toThrow(
      `fileStorage: ${path}: opened read-only, so it cannot update trial 2`,
    );
    await expect(ro.createTrial({ ...trial, number: 3 })).rejects.toThrow(
      `fileStorage: ${path}: opened read-only, so it cannot create trial 3`,
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
});
