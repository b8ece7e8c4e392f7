// The seed's search made continuous: log learning rate, log-int hidden units, dropout, and the
// optimiser, with momentum searched only for sgd. A one-hidden-layer ReLU MLP on the UCI digits,
// trained with TensorFlow.js; batch size fixed at 64.
// Run: webtune run examples/mlp-digits.mjs --strategy bayesian --trials 30
import { createObjective } from '@webtune/harness';
import { loadDigitsSync } from '@webtune/harness/node';

export const space = {
  lr: { type: 'float', low: 1e-4, high: 1, log: true },
  hidden: { type: 'int', low: 16, high: 512, log: true },
  dropout: { type: 'float', low: 0, high: 0.5 },
  optimizer: { type: 'categorical', choices: ['adam', 'sgd', 'rmsprop'] },
  momentum: { type: 'float', low: 0, high: 0.99, when: { optimizer: ['sgd'] } },
};

/** Validation accuracy, higher is better. */
export const direction = 'maximize';

/** Default number of trials for `webtune run`. */
export const trials = 30;

/** Epochs per trial (a trial stops earlier after 4 epochs without improvement). */
export const epochs = 20;

/** The objective with its options exposed, for benchmarks and other budgets. */
export function createMlpObjective(options = {}) {
  return createObjective({
    dataset: loadDigitsSync(),
    model: (p) => ({
      learningRate: p.lr,
      units: p.hidden,
      dropout: p.dropout,
      optimizer: p.optimizer,
      momentum: p.momentum ?? 0,
      batchSize: 64,
    }),
    metric: 'val_accuracy',
    epochs,
    earlyStopping: { patience: 4 },
    seed: 0,
    ...options,
  });
}

let shared;
/** Trains the configuration and returns its best validation accuracy. */
export function objective(params, trial) {
  shared ??= createMlpObjective();
  return shared(params, trial);
}
