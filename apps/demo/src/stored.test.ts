import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, parseSettings } from './settings.js';
import {
  checkStudy,
  listStudies,
  STUDY_PREFIX,
  settingsFromStudyName,
  studyName,
} from './stored.js';

describe('studyName', () => {
  it('encodes every setting but the trial count in a fixed order and decodes back', () => {
    const settings = parseSettings({ strategy: 'random', trials: '6', epochs: '2', seed: '1' });
    const name = studyName(settings);
    expect(name).toBe(
      'webtune-demo?example=seed-grid&strategy=random&gpBackend=auto&tfBackend=auto&epochs=2&pruner=none&seed=1&startupTrials=4',
    );
    // The trial count is how far to run, not which study: the default comes back.
    expect(settingsFromStudyName(name)).toEqual({ ...settings, trials: DEFAULT_SETTINGS.trials });
    expect(studyName({ ...settings, trials: 40 })).toBe(name);
    expect(studyName({ ...settings, seed: 2 })).not.toBe(name);
  });

  it('reads older names that held the trial count', () => {
    const old =
      'webtune-demo?example=seed-grid&strategy=random&gpBackend=auto&tfBackend=cpu&trials=7&epochs=6&pruner=none&seed=5&startupTrials=4';
    expect(settingsFromStudyName(old)).toMatchObject({ trials: 7, epochs: 6, seed: 5 });
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
    const bad = name.replace('epochs=5', 'epochs=0');
    expect(() => settingsFromStudyName(bad)).toThrow(
      `study "${bad}": Epochs must be a whole number from 1 to 100; “0” is not.`,
    );
  });
});

describe('stored studies without IndexedDB (Node has none)', () => {
  it('listing and opening say so instead of failing later', async () => {
    expect(typeof indexedDB).toBe('undefined');
    const why = 'this browser offers no IndexedDB here, so studies cannot be stored';
    await expect(listStudies()).rejects.toThrow(why);
    await expect(checkStudy(studyName(DEFAULT_SETTINGS))).rejects.toThrow(why);
  });
});
