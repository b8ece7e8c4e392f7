import type { Config } from '@webtune/space';
import { HarnessError } from './errors.js';

/** The activations `ModelConfig.activation` takes (TF.js names). */
export const ACTIVATIONS = ['relu', 'elu', 'selu', 'tanh', 'sigmoid', 'gelu', 'swish'] as const;
/** One of {@link ACTIVATIONS}. */
export type Activation = (typeof ACTIVATIONS)[number];
/** The optimisers `ModelConfig.optimizer` takes: TF.js's adam, sgd (with momentum when > 0) and rmsprop. */
export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'] as const;
/** One of {@link OPTIMIZERS}. */
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

/** The value of every `ModelConfig` field a trial's params do not set. */
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
