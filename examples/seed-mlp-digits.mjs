// The seed's search, for real: a one-hidden-layer ReLU MLP (softmax output, Adam, sparse
// categorical cross-entropy, accuracy as the metric) trained with TensorFlow.js on the UCI digits.
// Run: webtune run examples/seed-mlp-digits.mjs --strategy bayesian --html webtune-report.html
import { createObjective } from '@webtune/harness';
import { loadDigitsSync } from '@webtune/harness/node';

/** 4 × 4 × 4 = 64 configurations, exactly the seed's grid. */
export const space = {
  lr: { type: 'categorical', choices: [0.001, 0.01, 0.1, 1.0] },
  batch: { type: 'categorical', choices: [32, 64, 128, 256] },
  hidden: { type: 'categorical', choices: [64, 128, 256, 512] },
};

/** Validation accuracy, higher is better. */
export const direction = 'maximize';

/** Default number of trials for `webtune run`. */
export const trials = 20;

/** Epochs per trial: 20 trials take about a minute on a 2-core machine with the wasm backend. */
export const epochs = 20;

/**
 * The objective with its options exposed, for benchmarks and other budgets. Split 60/20/20,
 * stratified, seed 0; features standardised with training statistics; the objective returns the
 * best validation accuracy over the epochs and stores testAccuracy on the trial.
 */
export function createSeedObjective(options = {}) {
  return createObjective({
    dataset: loadDigitsSync(),
    model: 'mlp', // one hidden layer of `hidden` ReLU units, Adam by default
    metric: 'val_accuracy',
    epochs,
    seed: 0,
    ...options,
  });
}

let shared;
/** Trains the configuration and returns its validation accuracy. */
export function objective(params, trial) {
  shared ??= createSeedObjective();
  return shared(params, trial);
}
