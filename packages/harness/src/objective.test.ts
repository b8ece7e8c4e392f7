import * as tf from '@tensorflow/tfjs';
import { type Config, createStudy, medianPruner, type Strategy, type Trial } from '@webtune/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from './backend.js';
import { type SplitDataset, splitDataset } from './dataset.js';
import { loadDigitsSync } from './node.js';
import { createObjective } from './objective.js';

/** A trial outside any study, for calling an objective directly: never pruned, reports dropped. */
const idleTrial = (): Trial => ({
  number: 0,
  params: {},
  signal: new AbortController().signal,
  report() {},
  shouldPrune: () => false,
  setUserAttr() {},
});

/** Suggests the given configurations in order, then nothing (a fixture strategy for exact control). */
function listStrategy(configs: Config[]): Strategy {
  let next = 0;
  return {
    name: 'list',
    suggest: async ({ count }) => {
      const out = configs.slice(next, next + count);
      next += out.length;
      return out;
    },
  };
}

const space = {
  lr: { type: 'float', low: 1e-9, high: 10, log: true },
  batch: { type: 'int', low: 1, high: 10000 },
  hidden: { type: 'int', low: 1, high: 512 },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop', 'adagrad'] },
  dropout: { type: 'float', low: 0, high: 0.9 },
} as const;

let data: SplitDataset;
beforeAll(async () => {
  data = splitDataset(loadDigitsSync(), { seed: 0 });
  await useBackend('auto');
});

describe('createObjective in a real study', () => {
  it('reports every epoch and stores test accuracy, epochs and backend', async () => {
    const objective = createObjective({ dataset: data, epochs: 3 });
    const params = { lr: 0.01, batch: 64, hidden: 32, optimizer: 'adam', dropout: 0 };
    const study = createStudy({
      space,
      strategy: listStrategy([params, params]),
      direction: 'maximize',
    });
    await study.optimize(objective, { trials: 2 });
    const [a, b] = study.trials;
    expect(a!.state).toBe('complete');
    expect(a!.intermediate.map((r) => r.step)).toEqual([1, 2, 3]);
    expect(a!.value).toBe(Math.max(...a!.intermediate.map((r) => r.value)));
    expect(a!.value).toBeGreaterThan(0.9);
    expect(a!.userAttrs).toMatchObject({ epochs: 3, backend: 'wasm', valAccuracy: a!.value });
    expect(a!.userAttrs.testAccuracy as number).toBeGreaterThan(0.9);
    // Same params, same seed → same numbers.
    expect(b!.value).toBe(a!.value);
    expect(b!.userAttrs.testAccuracy).toBe(a!.userAttrs.testAccuracy);
  });

  it('stops a trial the median pruner prunes and marks it pruned', async () => {
    const good = { lr: 0.01, batch: 64, hidden: 32, optimizer: 'adam', dropout: 0 };
    const bad = { ...good, lr: 1e-7 };
    const study = createStudy({
      space,
      strategy: listStrategy([good, { ...good, hidden: 48 }, bad]),
      direction: 'maximize',
      pruner: medianPruner({ startupTrials: 2 }),
    });
    await study.optimize(createObjective({ dataset: data, epochs: 4 }), { trials: 3 });
    const pruned = study.trials[2]!;
    expect(study.trials.slice(0, 2).map((t) => t.state)).toEqual(['complete', 'complete']);
    expect(pruned.state).toBe('pruned');
    expect(pruned.intermediate).toHaveLength(1);
    expect(pruned.userAttrs.epochs).toBe(1);
  });

  it('stops early on patience', async () => {
    const objective = createObjective({
      dataset: data,
      epochs: 20,
      metric: 'val_loss',
      earlyStopping: { patience: 2, minDelta: 1e-3 },
    });
    const study = createStudy({
      space,
      strategy: listStrategy([{ lr: 1e-9, batch: 256, hidden: 8, optimizer: 'sgd', dropout: 0 }]),
    });
    await study.optimize(objective, { trials: 1 });
    const t = study.trials[0]!;
    expect(t.state).toBe('complete');
    expect(t.userAttrs.epochs).toBe(3);
    expect(t.value).toBe(t.intermediate[0]!.value);
  });

  it('fails bad configurations before training, naming the parameter and value', async () => {
    const study = createStudy({
      space,
      strategy: listStrategy([
        { lr: 1e-9, batch: 5000, hidden: 8, optimizer: 'adam', dropout: 0 },
        { lr: 0.01, batch: 64, hidden: 8, optimizer: 'adagrad', dropout: 0 },
      ]),
    });
    await study.optimize(createObjective({ dataset: data, epochs: 1 }), { trials: 2 });
    expect(study.trials.map((t) => t.state)).toEqual(['failed', 'failed']);
    expect(study.trials[0]!.error).toMatch(
      /batchSize: must be ≤ the training set size \(1079\), got 5000/,
    );
    expect(study.trials[1]!.error).toMatch(
      /optimizer: must be one of adam, sgd, rmsprop, got "adagrad"/,
    );
    expect(study.trials[0]!.intermediate).toHaveLength(0);
    const objective = createObjective({ dataset: data });
    await expect(objective({ lr: 0 }, idleTrial())).rejects.toThrow(
      /learningRate: must be a finite number > 0, got 0/,
    );
    await expect(objective({ units: 12.5 }, idleTrial())).rejects.toThrow(
      /units: must be an integer ≥ 1, got 12.5/,
    );
  });

  it('fails a diverged trial with a clear message and frees its tensors', async () => {
    const before = tf.memory().numTensors;
    const study = createStudy({
      space,
      strategy: listStrategy([{ lr: 10, batch: 64, hidden: 64, optimizer: 'sgd', dropout: 0 }]),
    });
    const objective = createObjective({
      dataset: data,
      epochs: 3,
      metric: 'val_loss',
      model: (p) => ({ learningRate: 1e30, batchSize: p.batch as number, optimizer: 'sgd' }),
    });
    await study.optimize(objective, { trials: 1 });
    expect(study.trials[0]!.state).toBe('failed');
    expect(study.trials[0]!.error).toMatch(/training diverged: val_loss is NaN after epoch 1/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('trains on its own backend after another objective switched TF.js to a different one', async () => {
    const seen: string[] = [];
    const trial = (): Trial => ({
      ...idleTrial(),
      report() {
        seen.push(tf.getBackend());
      },
    });
    const params = { lr: 0.01, batch: 512, hidden: 4, optimizer: 'adam', dropout: 0 };
    const onWasm = createObjective({ dataset: data, epochs: 1, backend: 'wasm' });
    const onCpu = createObjective({ dataset: data, epochs: 1, backend: 'cpu' });
    try {
      await onWasm(params, trial());
      await onCpu(params, trial());
      await onWasm(params, trial());
    } finally {
      await useBackend('auto');
    }
    expect(seen).toEqual(['wasm', 'cpu', 'wasm']);
  });

  it('rejects bad options at creation', () => {
    expect(() => createObjective({ dataset: data, epochs: 0 })).toThrow(
      /epochs: must be an integer ≥ 1, got 0/,
    );
    expect(() => createObjective({ dataset: data, earlyStopping: { patience: 0 } })).toThrow(
      /patience/,
    );
    expect(() =>
      createObjective({ dataset: data, earlyStopping: { patience: 2, minDelta: Number.NaN } }),
    ).toThrow(/earlyStopping\.minDelta: .*got NaN/);
    expect(() => createObjective({ dataset: data, metric: 'accuracy' as never })).toThrow(/metric/);
    expect(() => createObjective({ dataset: data, backend: 'tpu' as never })).toThrow(
      /backend: unknown backend "tpu"/,
    );
  });

  it('leaves tf.memory().numTensors at its baseline after each of 24 trials (complete, pruned, failed)', async () => {
    const lrs = [0.01, 0.003, 1e-7, 0.1];
    const optimizers = ['adam', 'sgd', 'rmsprop'];
    const configs: Config[] = Array.from({ length: 24 }, (_, i) => ({
      lr: lrs[i % 4]!,
      batch: [64, 128, 256][i % 3]!,
      hidden: [8, 16, 32, 64][(i * 5) % 4]!,
      optimizer: i === 13 ? 'adagrad' : optimizers[(i * 7) % 3]!,
      dropout: (i % 5) * 0.1,
    }));
    const study = createStudy({
      space,
      strategy: listStrategy(configs),
      direction: 'maximize',
      pruner: medianPruner({ startupTrials: 3 }),
    });
    const objective = createObjective({
      dataset: data,
      epochs: 2,
      model: (p) => ({
        learningRate: p.lr as number,
        batchSize: p.batch as number,
        units: p.hidden as number,
        optimizer: p.optimizer as never,
        momentum: p.optimizer === 'adam' ? 0 : 0.9,
        dropout: p.dropout as number,
      }),
    });
    await useBackend('auto');
    const baseline = tf.memory().numTensors;
    const after: number[] = [];
    await study.optimize(objective, {
      trials: 24,
      onTrialComplete: () => {
        after.push(tf.memory().numTensors);
      },
    });
    expect(after).toEqual(new Array(24).fill(baseline));
    const states = new Set(study.trials.map((t) => t.state));
    expect(states).toEqual(new Set(['complete', 'pruned', 'failed']));
  }, 120_000);
});
