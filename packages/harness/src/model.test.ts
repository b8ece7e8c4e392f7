import { describe, expect, it } from 'vitest';
import { paramsToModelConfig, resolveModelConfig } from './model.js';

const data = { trainSize: 1000, imageShape: [8, 8] as const };

describe('paramsToModelConfig', () => {
  it('maps every documented alias', () => {
    expect(
      paramsToModelConfig({ lr: 0.1, batch: 64, hidden: 32, optimizer: 'sgd', momentum: 0.9 }),
    ).toEqual({ learningRate: 0.1, batchSize: 64, units: 32, optimizer: 'sgd', momentum: 0.9 });
    expect(
      paramsToModelConfig({ learningRate: 0.2, batchSize: 8, units: 4, kernelSize: 3 }),
    ).toEqual({ learningRate: 0.2, batchSize: 8, units: 4, kernelSize: 3 });
  });

  it('rejects an unknown name', () => {
    expect(() => paramsToModelConfig({ lerning_rate: 0.1 })).toThrow(
      /params.lerning_rate: not a recognised hyperparameter/,
    );
  });
});

describe('resolveModelConfig', () => {
  it('fills defaults', () => {
    expect(resolveModelConfig({}, data)).toMatchObject({
      architecture: 'mlp',
      units: 128,
      layers: 1,
      optimizer: 'adam',
      learningRate: 0.001,
      batchSize: 32,
    });
  });

  it.each([
    [{ learningRate: 0 }, /learningRate: must be a finite number > 0, got 0/],
    [{ learningRate: -1 }, /learningRate.*got -1/],
    [{ batchSize: 1001 }, /batchSize: must be ≤ the training set size \(1000\), got 1001/],
    [{ batchSize: 0 }, /batchSize: must be an integer ≥ 1, got 0/],
    [{ units: 12.5 }, /units: must be an integer ≥ 1, got 12.5/],
    [{ optimizer: 'adagrad' }, /optimizer: must be one of adam, sgd, rmsprop, got "adagrad"/],
    [{ activation: 'softmaxx' }, /activation: must be one of .*got "softmaxx"/],
    [{ dropout: 1 }, /dropout: must be in \[0, 1\), got 1/],
    [{ momentum: 1.5 }, /momentum.*got 1.5/],
    [{ l2: -0.1 }, /l2.*got -0.1/],
    [{ architecture: 'cnn', kernelSize: 9 }, /kernelSize: must be an integer in \[1, 8\], got 9/],
    [{ architecture: 'cnn', filters: 0 }, /filters.*got 0/],
  ])('rejects %j', (partial, message) => {
    expect(() => resolveModelConfig(partial as never, data)).toThrow(message);
  });

  it('rejects a CNN on data without an image shape', () => {
    expect(() => resolveModelConfig({ architecture: 'cnn' }, { trainSize: 100 })).toThrow(
      /architecture: needs a dataset with imageShape/,
    );
  });
});
