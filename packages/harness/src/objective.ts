import type { Trial } from '@webtune/core';
import { TrialPruned } from '@webtune/core';
import type { Config } from '@webtune/space';
import { type BackendName, checkBackendName, useBackend } from './backend.js';
import {
  type Dataset,
  isSplitDataset,
  type SplitDataset,
  type SplitOptions,
  splitDataset,
} from './dataset.js';
import { HarnessError } from './errors.js';
import { type ModelConfig, paramsToModelConfig, resolveModelConfig } from './model.js';
import * as tf from './tf.js';
import { checkEarlyStopping, trainModel } from './train.js';

export interface ObjectiveOptions {
  /** A dataset (split here with `split` and `seed`) or an already split one. */
  dataset: Dataset | SplitDataset;
  /**
   * 'mlp' (default) or 'cnn': trial params are mapped by name (see PARAM_ALIASES: lr /
   * learningRate, batch / batchSize, hidden / units, layers, activation, dropout, l2, optimizer,
   * momentum, filters, kernelSize); an unknown name throws. Or a function from params to a
   * (partial) ModelConfig, for your own names; unset fields take the defaults.
   */
  model?: 'mlp' | 'cnn' | ((params: Config) => Partial<ModelConfig>);
  /** What the objective returns and reports: 'val_accuracy' (default; maximise) or 'val_loss' (minimise). */
  metric?: 'val_accuracy' | 'val_loss';
  /** Maximum epochs per trial. Default 10. */
  epochs?: number;
  /** Stop a trial after `patience` epochs without improvement. Default: off. */
  earlyStopping?: { patience: number; minDelta?: number };
  /** TF.js backend; see `useBackend`. Default 'auto'. */
  backend?: BackendName;
  /**
   * Seeds the split (when `dataset` is unsplit), weight init, dropout masks and batch order.
   * The same seed is used for every trial, so a configuration always scores the same. Default 0.
   */
  seed?: number;
  /** Split fractions and scaling when `dataset` is unsplit (its seed defaults to `seed`). */
  split?: Omit<SplitOptions, 'seed'> & { seed?: number };
}

/** The objective `createObjective` returns, with the split it trains on. */
export interface HarnessObjective {
  (params: Config, trial: Trial): Promise<number>;
  readonly data: SplitDataset;
}

/**
 * An objective for `study.optimize`: builds the model the trial's params describe, trains it
 * epoch by epoch, calls `trial.report(epoch, metric)` after every epoch (epochs are 1-based),
 * throws `TrialPruned` when `trial.shouldPrune()` says so, stops early on patience, and returns
 * the best validation metric over the epochs run (the model is rolled back to that epoch before
 * the test set is scored). On the trial it stores userAttrs `testAccuracy`, `testLoss`,
 * `valAccuracy`, `valLoss` (at the best epoch), `epochs` (epochs run), `bestEpoch` and `backend`.
 * Options are validated here; a trial's params are validated before its training starts and
 * invalid ones throw `HarnessError` naming the parameter and value.
 */
export function createObjective(options: ObjectiveOptions): HarnessObjective {
  const seed = options.seed ?? 0;
  const epochs = options.epochs ?? 10;
  const metric = options.metric ?? 'val_accuracy';
  const backend = options.backend ?? 'auto';
  const modelOption = options.model ?? 'mlp';
  if (!Number.isInteger(seed)) throw new HarnessError(`seed: must be an integer, got ${seed}`);
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new HarnessError(`epochs: must be an integer ≥ 1, got ${epochs}`);
  }
  if (metric !== 'val_accuracy' && metric !== 'val_loss') {
    throw new HarnessError(`metric: must be 'val_accuracy' or 'val_loss', got '${metric}'`);
  }
  if (modelOption !== 'mlp' && modelOption !== 'cnn' && typeof modelOption !== 'function') {
    throw new HarnessError(`model: must be 'mlp', 'cnn' or a function, got ${String(modelOption)}`);
  }
  checkBackendName(backend);
  checkEarlyStopping(options.earlyStopping);
  const data = isSplitDataset(options.dataset)
    ? options.dataset
    : splitDataset(options.dataset, { seed, ...options.split });
  const backendReady = new Map<string, Promise<string>>();

  const objective = async (params: Config, trial: Trial): Promise<number> => {
    const partial =
      typeof modelOption === 'function'
        ? modelOption(params)
        : { ...paramsToModelConfig(params), architecture: modelOption };
    const config = resolveModelConfig(partial, {
      trainSize: data.train.size,
      imageShape: data.imageShape,
    });
    let ready = backendReady.get(config.architecture);
    // The backend is process-wide: another objective (or the CNN's fallback) may have switched it since.
    if (!ready || (await ready) !== tf.getBackend()) {
      ready = useBackend(backend, config.architecture);
      backendReady.set(config.architecture, ready);
    }
    const used = await ready;
    trial.setUserAttr('backend', used);
    let epochsRun = 0;
    let pruned = false;
    const result = await trainModel(data, config, {
      epochs,
      seed,
      metric,
      earlyStopping: options.earlyStopping,
      signal: trial.signal,
      onEpoch: (m) => {
        epochsRun = m.epoch;
        trial.setUserAttr('epochs', epochsRun);
        const value = metric === 'val_accuracy' ? m.valAccuracy : m.valLoss;
        if (!Number.isFinite(value)) {
          throw new HarnessError(`training diverged: ${metric} is ${value} after epoch ${m.epoch}`);
        }
        trial.report(m.epoch, value);
        if (trial.shouldPrune()) {
          pruned = true;
          return 'stop';
        }
        return undefined;
      },
    });
    trial.setUserAttr('epochs', result.history.length);
    trial.setUserAttr('bestEpoch', result.bestEpoch);
    trial.setUserAttr('valAccuracy', result.best.valAccuracy);
    trial.setUserAttr('valLoss', result.best.valLoss);
    trial.setUserAttr('testAccuracy', result.testAccuracy);
    trial.setUserAttr('testLoss', result.testLoss);
    if (pruned) throw new TrialPruned(`pruned after epoch ${epochsRun}`);
    return metric === 'val_accuracy' ? result.best.valAccuracy : result.best.valLoss;
  };
  return Object.assign(objective, { data });
}
