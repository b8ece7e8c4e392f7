import type { Rng } from '@webtune/core';
import type { Config } from '@webtune/space';
import { HarnessError } from './errors.js';
import * as tf from './tf.js';

/** TF.js initialiser and dropout seeds are drawn uniformly from [0, 2³²). */
const SEED_RANGE = 2 ** 32;

export const ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'gelu', 'swish'] as const;
export type Activation = (typeof ACTIVATIONS)[number];
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Everything needed to build and train one model. Defaults are filled by {@link resolveModelConfig}. */
export interface ModelConfig {
  /** 'mlp' (default): dense layers; 'cnn': conv → max-pool → dense, for image datasets (e.g. digits 8×8). */
  architecture: 'mlp' | 'cnn';
  /** Units in each hidden dense layer. Default 128. */
  units: number;
  /** Number of hidden dense layers (0 = softmax regression for the MLP). Default 1. */
  layers: number;
  /** Hidden-layer activation. Default 'relu'. */
  activation: Activation;
  /** Dropout rate after each hidden layer, in [0, 1). Default 0. */
  dropout: number;
  /** L2 penalty on every kernel (Keras semantics: l2·Σw²). Default 0. */
  l2: number;
  /** CNN: filters of the convolution. Default 16. */
  filters: number;
  /** CNN: square kernel side (≤ the image side). Default 3. */
  kernelSize: number;
  /** Default 'adam'. */
  optimizer: OptimizerName;
  /** Default 0.001. */
  learningRate: number;
  /** Momentum for sgd and rmsprop, in [0, 1). Default 0 (ignored by adam). */
  momentum: number;
  /** Default 32. */
  batchSize: number;
}

export const DEFAULT_MODEL_CONFIG: Readonly<ModelConfig> = {
  architecture: 'mlp',
  units: 128,
  layers: 1,
  activation: 'relu',
  dropout: 0,
  l2: 0,
  filters: 16,
  kernelSize: 3,
  optimizer: 'adam',
  learningRate: 0.001,
  momentum: 0,
  batchSize: 32,
};

/** Recognised parameter names (aliases on the left) → ModelConfig field. */
export const PARAM_ALIASES: Readonly<Record<string, keyof ModelConfig>> = {
  lr: 'learningRate',
  learningRate: 'learningRate',
  learning_rate: 'learningRate',
  batch: 'batchSize',
  batchSize: 'batchSize',
  batch_size: 'batchSize',
  hidden: 'units',
  units: 'units',
  layers: 'layers',
  activation: 'activation',
  dropout: 'dropout',
  l2: 'l2',
  optimizer: 'optimizer',
  momentum: 'momentum',
  filters: 'filters',
  kernelSize: 'kernelSize',
  kernel_size: 'kernelSize',
};

/** Maps a trial's parameters onto a ModelConfig via {@link PARAM_ALIASES}; unknown names throw. */
export function paramsToModelConfig(params: Config): Partial<ModelConfig> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    const field = PARAM_ALIASES[name];
    if (field === undefined) {
      throw new HarnessError(
        `params.${name}: not a recognised hyperparameter (recognised: ${Object.keys(PARAM_ALIASES).join(', ')}); pass model: (params) => ModelConfig to map your own names`,
      );
    }
    out[field] = value;
  }
  return out as Partial<ModelConfig>;
}

function check(ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok) throw new HarnessError(`${field}: ${rule}, got ${JSON.stringify(value)}`);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Fills defaults and validates. Throws `HarnessError` naming the field and value, e.g.
 * `learningRate: must be a finite number > 0, got 0`. `trainSize` bounds the batch size;
 * `imageShape` is required for the CNN and bounds its kernel size.
 */
export function resolveModelConfig(
  partial: Partial<ModelConfig>,
  data: { trainSize: number; imageShape?: readonly [number, number] | undefined },
): ModelConfig {
  const c = { ...DEFAULT_MODEL_CONFIG, ...partial } as ModelConfig;
  check(
    c.architecture === 'mlp' || c.architecture === 'cnn',
    'architecture',
    c.architecture,
    "must be 'mlp' or 'cnn'",
  );
  check(
    isNum(c.learningRate) && c.learningRate > 0,
    'learningRate',
    c.learningRate,
    'must be a finite number > 0',
  );
  check(isInt(c.batchSize) && c.batchSize >= 1, 'batchSize', c.batchSize, 'must be an integer ≥ 1');
  check(
    c.batchSize <= data.trainSize,
    'batchSize',
    c.batchSize,
    `must be ≤ the training set size (${data.trainSize})`,
  );
  check(isInt(c.units) && c.units >= 1, 'units', c.units, 'must be an integer ≥ 1');
  check(isInt(c.layers) && c.layers >= 0, 'layers', c.layers, 'must be an integer ≥ 0');
  check(
    (ACTIVATIONS as readonly unknown[]).includes(c.activation),
    'activation',
    c.activation,
    `must be one of ${ACTIVATIONS.join(', ')}`,
  );
  check(
    isNum(c.dropout) && c.dropout >= 0 && c.dropout < 1,
    'dropout',
    c.dropout,
    'must be in [0, 1)',
  );
  check(isNum(c.l2) && c.l2 >= 0, 'l2', c.l2, 'must be a finite number ≥ 0');
  check(
    (OPTIMIZERS as readonly unknown[]).includes(c.optimizer),
    'optimizer',
    c.optimizer,
    `must be one of ${OPTIMIZERS.join(', ')}`,
  );
  check(
    isNum(c.momentum) && c.momentum >= 0 && c.momentum < 1,
    'momentum',
    c.momentum,
    'must be in [0, 1)',
  );
  if (c.architecture === 'cnn') {
    check(
      data.imageShape !== undefined,
      'architecture',
      c.architecture,
      'needs a dataset with imageShape (h×w images)',
    );
    const side = Math.min(...(data.imageShape ?? [0]));
    check(isInt(c.filters) && c.filters >= 1, 'filters', c.filters, 'must be an integer ≥ 1');
    check(
      isInt(c.kernelSize) && c.kernelSize >= 1 && c.kernelSize <= side,
      'kernelSize',
      c.kernelSize,
      `must be an integer in [1, ${side}]`,
    );
  }
  return c;
}

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
): tf.Sequential {
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
export function createOptimizer(config: ModelConfig): tf.Optimizer {
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
