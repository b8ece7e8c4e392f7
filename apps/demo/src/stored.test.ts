import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings } from './run.js';
import {
  checkStudy,
  listStudies,
  STUDY_PREFIX,
  settingsFromStudyName,
  studyName,
} from './stored.js';

describe('studyName', () => {
  it('encodes every setting in a fixed order and decodes back to the same settings', () => {
    const settings = parseSettings({ strategy: 'random', trials: '6', epochs: '2', seed: '1' });
    const name = studyName(settings);
    expect(name).toBe(
      'webtune-demo?example=seed-grid&strategy=random&gpBackend=auto&tfBackend=auto&trials=6&epochs=2&pruner=none&seed=1&startupTrials=4',
    );
    expect(settingsFromStudyName(name)).toEqual(settings);
    // Same settings, same study, however they were written.
    expect(studyName({ ...settings })).toBe(name);
    expect(studyName({ ...settings, seed: 2 })).not.toBe(name);
  });

  it('refuses names that are not a demo study, naming the name and the setting', () => {
    const name = studyName(DEFAULT_SETTINGS);
    expect(() => settingsFromStudyName('my-study')).toThrow(
      `study "my-study": not a demo study (its name must start with ${STUDY_PREFIX})`,
    );
    const missing = name.replace('&seed=0', '');
    expect(() => settingsFromStudyName(missing)).toThrow(
      `study "${missing}": setting 'seed' is missing`,
    );
    expect(() => settingsFromStudyName(`${name}&lr=1`)).toThrow("unknown setting 'lr'");
    const bad = name.replace('trials=12', 'trials=0');
    expect(() => settingsFromStudyName(bad)).toThrow(
      `study "${bad}": trials: '0' must be an integer in [1, 500]`,
    );
  });
});

describe('stored studies without IndexedDB (Node has none)', () => {
  it('listing and opening say so instead of failing later', async () => {
    expect(typeof indexedDB).toBe('undefined');
    const why = 'this browser offers no IndexedDB here, so studies cannot be stored';
    await expect(listStudies()).rejects.toThrow(why);
    await expect(checkStudy(studyName(DEFAULT_SETTINGS), false)).rejects.toThrow(why);
  });
});
