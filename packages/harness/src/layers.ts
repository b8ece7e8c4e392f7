import type { Optimizer } from '@tensorflow/tfjs-core';
import type { Sequential } from '@tensorflow/tfjs-layers';
import type { Rng } from '@webtune/core';
import type { ModelConfig } from './model.js';
import * as tf from './tf.js';

/** TF.js initialiser and dropout seeds are drawn uniformly from [0, 2³²). */
const SEED_RANGE = 2 ** 32;

/**
 * Dropout whose masks come from a seeded stream (TF.js's own Dropout with a fixed seed would
 * draw the same mask on every batch; without one it uses Math.random).
 */
class SeededDropout extends tf.layers.Layer {
  static readonly className = 'WebtuneSeededDropout';
  constructor(
    private readonly rate: number,
    private readonly rng: Rng,
  ) {
    super({});
  }
  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape | tf.Shape[] {
    return inputShape;
  }
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: { training?: boolean }): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs;
    if (!kwargs.training || this.rate === 0) return x;
    const seed = this.rng.int(SEED_RANGE);
    return tf.tidy(() => tf.dropout(x, this.rate, undefined, seed));
  }
}

/**
 * Builds an uncompiled model: input d features → (CNN: reshape h×w×1 → conv2d(filters,
 * kernelSize, same padding) → max-pool 2 → flatten) → `layers` × [dense(units) → dropout] →
 * dense(numClasses, softmax). Every kernel initialiser (Glorot uniform) and dropout mask is seeded
 * from `rng`, so the same rng state gives the same model.
 */
export function buildModel(
  config: ModelConfig,
  shape: {
    numFeatures: number;
    numClasses: number;
    imageShape?: readonly [number, number] | undefined;
  },
  rng: Rng,
): Sequential {
  const init = () => tf.initializers.glorotUniform({ seed: rng.int(SEED_RANGE) });
  const reg = () =>
    config.l2 > 0 ? { kernelRegularizer: tf.regularizers.l2({ l2: config.l2 }) } : {};
  const model = tf.sequential();
  if (config.architecture === 'cnn') {
    const [h, w] = shape.imageShape!;
    model.add(tf.layers.reshape({ inputShape: [shape.numFeatures], targetShape: [h, w, 1] }));
    model.add(
      tf.layers.conv2d({
        filters: config.filters,
        kernelSize: config.kernelSize,
        padding: 'same',
        activation: config.activation,
        kernelInitializer: init(),
        ...reg(),
      }),
    );
    model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
    model.add(tf.layers.flatten());
  }
  for (let i = 0; i < config.layers; i++) {
    model.add(
      tf.layers.dense({
        ...(model.layers.length === 0 ? { inputShape: [shape.numFeatures] } : {}),
        units: config.units,
        activation: config.activation,
        kernelInitializer: init(),
        ...reg(),
      }),
    );
    if (config.dropout > 0) model.add(new SeededDropout(config.dropout, rng));
  }
  model.add(
    tf.layers.dense({
      ...(model.layers.length === 0 ? { inputShape: [shape.numFeatures] } : {}),
      units: shape.numClasses,
      activation: 'softmax',
      kernelInitializer: init(),
      ...reg(),
    }),
  );
  return model;
}

/** A fresh optimiser for the config; the caller disposes it. */
export function createOptimizer(config: ModelConfig): Optimizer {
  switch (config.optimizer) {
    case 'adam':
      return tf.train.adam(config.learningRate);
    case 'sgd':
      return config.momentum > 0
        ? tf.train.momentum(config.learningRate, config.momentum)
        : tf.train.sgd(config.learningRate);
    case 'rmsprop':
      return tf.train.rmsprop(config.learningRate, 0.9, config.momentum);
  }
}
