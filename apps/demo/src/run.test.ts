import { describe, expect, it } from 'vitest';
import { bestOf, DEFAULT_SETTINGS, parseSettings } from './run.js';
import { row } from './testRows.js';

describe('parseSettings', () => {
  it('parses form strings and fills defaults', () => {
    expect(parseSettings({ strategy: 'random', trials: '4', epochs: '2', seed: '7' })).toEqual({
      ...DEFAULT_SETTINGS,
      strategy: 'random',
      trials: 4,
      epochs: 2,
      seed: 7,
    });
  });

  it('rejects bad values, naming the field and the value', () => {
    expect(() => parseSettings({ trials: '0' })).toThrow(
      "trials: '0' must be an integer in [1, 500]",
    );
    expect(() => parseSettings({ epochs: '1.5' })).toThrow("epochs: '1.5'");
    expect(() => parseSettings({ seed: '' })).toThrow("seed: ''");
    expect(() => parseSettings({ strategy: 'tpe' })).toThrow("strategy: 'tpe' must be one of");
    expect(() => parseSettings({ gpBackend: 'gpu' })).toThrow("gpBackend: 'gpu'");
    expect(() => parseSettings({ tfBackend: 'wasm' })).toThrow("tfBackend: 'wasm'");
    expect(() => parseSettings({ pruner: 'asha' })).toThrow(
      "pruner: 'asha' must be one of none, median",
    );
    expect(() => parseSettings({ example: 'mnist' })).toThrow("example: 'mnist' is not one of");
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
