// Which architecture, and how big: an MLP or a small CNN (conv → max-pool → dense) on the UCI
// digits (8×8 images), trained with TensorFlow.js. The CNN's filters and kernel size exist only
// when the architecture is 'cnn' (a conditional space), so strategies search them only there.
// Run: webtune run examples/cnn-digits.mjs --strategy tpe --trials 24
import { createObjective } from '@webtune/harness';
import { loadDigitsSync } from '@webtune/harness/node';

export const space = {
  architecture: { type: 'categorical', choices: ['mlp', 'cnn'] },
  filters: { type: 'int', low: 4, high: 32, log: true, when: { architecture: ['cnn'] } },
  kernelSize: { type: 'categorical', choices: [3, 5], when: { architecture: ['cnn'] } },
  lr: { type: 'float', low: 1e-4, high: 0.1, log: true },
  hidden: { type: 'int', low: 16, high: 256, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
};

/** Validation accuracy, higher is better. */
export const direction = 'maximize';

/** Default number of trials for `webtune run`. */
export const trials = 24;

/** Epochs per trial (a trial stops earlier after 3 epochs without improvement). */
export const epochs = 12;

/** The objective with its options exposed, for benchmarks and other budgets. */
export function createCnnObjective(options = {}) {
  return createObjective({
    dataset: loadDigitsSync(),
    model: (p) => ({
      architecture: p.architecture,
      filters: p.filters ?? 16,
      kernelSize: p.kernelSize ?? 3,
      learningRate: p.lr,
      units: p.hidden,
      dropout: p.dropout,
      optimizer: 'adam',
      batchSize: 64,
    }),
    metric: 'val_accuracy',
    epochs,
    earlyStopping: { patience: 3 },
    seed: 0,
    ...options,
  });
}

let shared;
/** Trains the configuration and returns its best validation accuracy. */
export function objective(params, trial) {
  shared ??= createCnnObjective();
  return shared(params, trial);
}
