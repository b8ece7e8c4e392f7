import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SETTINGS,
  parseSettings,
  settingsFromQuery,
  validateSettings,
} from './settings.js';
import { bestOf } from './state.js';
import { row } from './testRows.js';

describe('validateSettings', () => {
  it('parses form strings and fills defaults', () => {
    expect(validateSettings({ strategy: 'random', trials: '4', epochs: '2', seed: '7' })).toEqual({
      settings: { ...DEFAULT_SETTINGS, strategy: 'random', trials: 4, epochs: 2, seed: 7 },
      errors: null,
    });
  });

  it('says what is wrong with every bad field, in the form’s words', () => {
    const r = validateSettings({ trials: '0', epochs: '1.5', seed: '', strategy: 'tpe' });
    expect(r.settings).toBeNull();
    expect(r.errors).toEqual({
      trials: 'Trials must be a whole number from 1 to 500; “0” is not.',
      epochs: 'Epochs must be a whole number from 1 to 100; “1.5” is not.',
      seed: 'Seed must be a whole number from 0 to 2147483647; it is empty.',
      strategy: 'Strategy must be one of random, sobol, grid, bayesian; “tpe” is not.',
    });
    expect(() => parseSettings({ startupTrials: 'x' })).toThrow(
      'Startup trials must be a whole number from 1 to 500; “x” is not.',
    );
    expect(() => parseSettings({ tfBackend: 'wasm' })).toThrow('TF.js backend must be one of');
    expect(() => parseSettings({ example: 'mnist' })).toThrow(
      'Example must be one of seed-grid, mlp-continuous; “mnist” is not.',
    );
  });
});

describe('settingsFromQuery', () => {
  it('takes the valid settings and falls back to the default for each bad or unknown one, saying so', () => {
    const { raw, notes } = settingsFromQuery('?example=nope&strategy=random&trials=abc&colour=red');
    expect(raw).toEqual({
      ...Object.fromEntries(Object.entries(DEFAULT_SETTINGS).map(([k, v]) => [k, String(v)])),
      strategy: 'random',
    });
    expect(notes).toEqual([
      'Example must be one of seed-grid, mlp-continuous; “nope” is not. Using the default, seed-grid.',
      'Trials must be a whole number from 1 to 500; “abc” is not. Using the default, 12.',
      '“colour” in the address is not a setting; ignored.',
    ]);
    expect(settingsFromQuery('').notes).toEqual([]);
  });
});

describe('bestOf', () => {
  it('takes the highest complete validation accuracy, earliest on ties', () => {
    const rows = [0.4, 0.9, 0.9, 0.95].map((v, number) =>
      row(number, number === 3 ? 'pruned' : 'complete', v, { n: number }),
    );
    expect(bestOf(rows)).toEqual({ number: 1, params: { n: 1 }, value: 0.9 });
    expect(bestOf([])).toBeNull();
  });
});
