import { createRng } from '@webtune/core';
import type { DataPart, SplitDataset } from './dataset.js';
import { HarnessError } from './errors.js';
import { buildModel, createOptimizer, type ModelConfig, resolveModelConfig } from './model.js';
import * as tf from './tf.js';

/** Longest stretch of training without yielding to the event loop. */
const YIELD_EVERY_MS = 50;

/** Metrics after one epoch. Losses are mean sparse categorical cross-entropy (no L2 term). */
export interface EpochMetrics {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's batches (L2 penalty included, as the optimiser sees it). */
  loss: number;
  valLoss: number;
  valAccuracy: number;
}

export interface TrainOptions {
  /** Maximum epochs. */
  epochs: number;
  /** Seeds weight init, dropout masks and per-epoch shuffling. */
  seed: number;
  /** Which validation metric decides the best epoch and early stopping. Default 'val_accuracy'. */
  metric?: 'val_accuracy' | 'val_loss';
  /** Stop after `patience` epochs without improvement of the metric by more than `minDelta` (default 0). */
  earlyStopping?: { patience: number; minDelta?: number } | undefined;
  /** Called after every epoch; return 'stop' to end training (e.g. pruned). May throw to abort. */
  onEpoch?: (metrics: EpochMetrics) => undefined | 'stop' | Promise<undefined | 'stop'>;
  signal?: AbortSignal | undefined;
}

export interface TrainResult {
  /** One entry per epoch run. */
  history: EpochMetrics[];
  /** The epoch with the best metric (1-based); the model is rolled back to its weights before testing. */
  bestEpoch: number;
  best: EpochMetrics;
  testLoss: number;
  testAccuracy: number;
  /** Why training ended: all epochs ran, early stopping, or `onEpoch` returned 'stop'. */
  stoppedBy: 'epochs' | 'earlyStopping' | 'callback';
}

function evaluate(
  model: tf.LayersModel,
  x: tf.Tensor2D,
  y: tf.Tensor1D,
): { loss: tf.Scalar; acc: tf.Scalar } {
  return tf.tidy(() => {
    const p = model.predict(x) as tf.Tensor2D;
    const picked = tf.sum(tf.mul(p, tf.oneHot(y, p.shape[1])), 1);
    const loss = tf.neg(tf.mean(tf.log(tf.maximum(picked, 1e-7)))) as tf.Scalar;
    const acc = tf.mean(tf.cast(tf.equal(tf.argMax(p, 1), y), 'float32')) as tf.Scalar;
    return { loss, acc };
  });
}

/** TF.js 4.22's MomentumOptimizer.dispose() skips SGD's learning-rate scalar; free any tensor field left. */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  for (const value of Object.values(optimizer)) {
    if (value instanceof tf.Tensor && !value.isDisposed) value.dispose();
  }
}

/** Both tensors or (on a shape mismatch) neither: tidy frees the first if the second throws. */
const toTensors = (part: DataPart, d: number): [tf.Tensor2D, tf.Tensor1D] =>
  tf.tidy(() => [tf.tensor2d(part.features, [part.size, d]), tf.tensor1d(part.labels, 'int32')]);

/** Throws `HarnessError` naming the field and value unless `earlyStopping` is unset or has an integer patience ≥ 1 and a finite minDelta ≥ 0. */
export function checkEarlyStopping(earlyStopping: TrainOptions['earlyStopping']): void {
  if (earlyStopping === undefined) return;
  const { patience, minDelta } = earlyStopping;
  if (!Number.isInteger(patience) || patience < 1) {
    throw new HarnessError(`earlyStopping.patience: must be an integer ≥ 1, got ${patience}`);
  }
  if (minDelta !== undefined && !(Number.isFinite(minDelta) && minDelta >= 0)) {
    throw new HarnessError(`earlyStopping.minDelta: must be a finite number ≥ 0, got ${minDelta}`);
  }
}

/**
 * Trains one model on `data.train`, evaluating on `data.validation` after each epoch and on
 * `data.test` at the end (with the best epoch's weights). Mini-batches come from a per-epoch
 * shuffle of the training indices drawn from `seed`, so the same seed and config repeat the same
 * run on the same backend. Every tensor made here is disposed before it returns or throws.
 */
export async function trainModel(
  data: SplitDataset,
  modelConfig: ModelConfig,
  options: TrainOptions,
): Promise<TrainResult> {
  // A hand-built config gets the same named errors as a trial's (batchSize 0 would never end).
  const config = resolveModelConfig(modelConfig, {
    trainSize: data.train.size,
    imageShape: data.imageShape,
  });
  const { epochs, seed } = options;
  if (!Number.isInteger(epochs) || epochs < 1) {
    throw new HarnessError(`epochs: must be an integer ≥ 1, got ${epochs}`);
  }
  checkEarlyStopping(options.earlyStopping);
  const metric = options.metric ?? 'val_accuracy';
  const patience = options.earlyStopping?.patience;
  const minDelta = options.earlyStopping?.minDelta ?? 0;
  const d = data.numFeatures;
  const n = data.train.size;
  const initRng = createRng(seed).fork('init');
  const shuffleRng = createRng(seed).fork('shuffle');

  const model = buildModel(config, data, initRng);
  const optimizer = createOptimizer(config);
  let val: [tf.Tensor2D, tf.Tensor1D] | undefined;
  let bestWeights: tf.Tensor[] | undefined;
  try {
    val = toTensors(data.validation, d);
    const [xVal, yVal] = val;
    model.compile({ optimizer, loss: 'sparseCategoricalCrossentropy' });
    const order = Array.from({ length: n }, (_, i) => i);
    const xBatch = new Float32Array(config.batchSize * d);
    const yBatch = new Float32Array(config.batchSize);
    const history: EpochMetrics[] = [];
    let best: EpochMetrics | undefined;
    let sinceBest = 0;
    let stoppedBy: TrainResult['stoppedBy'] = 'epochs';
    let lastYield = performance.now();
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleRng.shuffle(order);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < n; start += config.batchSize) {
        // On the cpu backend every await below settles at once; hand the event loop a turn now
        // and then so an abort (or a page's Stop button) can land mid-epoch.
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = performance.now();
        }
        options.signal?.throwIfAborted();
        const m = Math.min(config.batchSize, n - start);
        for (let k = 0; k < m; k++) {
          const row = order[start + k]!;
          xBatch.set(data.train.features.subarray(row * d, row * d + d), k * d);
          yBatch[k] = data.train.labels[row]!;
        }
        const xs = tf.tensor2d(xBatch.subarray(0, m * d), [m, d]);
        const ys = tf.tensor1d(yBatch.subarray(0, m));
        try {
          const loss = await model.trainOnBatch(xs, ys);
          lossSum += (Array.isArray(loss) ? loss[0]! : loss) * m;
          batches += m;
        } finally {
          xs.dispose();
          ys.dispose();
        }
      }
      const { loss, acc } = evaluate(model, xVal, yVal);
      const [valLoss, valAccuracy] = [(await loss.data())[0]!, (await acc.data())[0]!];
      loss.dispose();
      acc.dispose();
      const metrics: EpochMetrics = { epoch, loss: lossSum / batches, valLoss, valAccuracy };
      history.push(metrics);
      const improved =
        best === undefined ||
        (metric === 'val_accuracy'
          ? valAccuracy > best.valAccuracy + minDelta
          : valLoss < best.valLoss - minDelta);
      if (improved) {
        best = metrics;
        sinceBest = 0;
        if (bestWeights) tf.dispose(bestWeights);
        bestWeights = model.getWeights().map((w) => tf.clone(w));
      } else {
        sinceBest++;
      }
      if ((await options.onEpoch?.(metrics)) === 'stop') {
        stoppedBy = 'callback';
        break;
      }
      if (patience !== undefined && sinceBest >= patience && epoch < epochs) {
        stoppedBy = 'earlyStopping';
        break;
      }
    }
    if (bestWeights) model.setWeights(bestWeights);
    const [xTest, yTest] = toTensors(data.test, d);
    const { loss, acc } = evaluate(model, xTest, yTest);
    const [testLoss, testAccuracy] = [(await loss.data())[0]!, (await acc.data())[0]!];
    tf.dispose([xTest, yTest, loss, acc]);
    return {
      history,
      bestEpoch: best!.epoch,
      best: best!,
      testLoss,
      testAccuracy,
      stoppedBy,
    };
  } finally {
    if (bestWeights) tf.dispose(bestWeights);
    if (val) tf.dispose(val);
    model.dispose();
    disposeOptimizer(optimizer);
  }
}
