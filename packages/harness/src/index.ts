export {
  type BackendChoice,
  type BackendName,
  chooseBackend,
  getWebGPUDevice,
  useBackend,
} from './backend.js';
export {
  createDataset,
  type DataPart,
  type Dataset,
  type DatasetInput,
  isSplitDataset,
  type Scaling,
  type SplitDataset,
  type SplitOptions,
  splitDataset,
} from './dataset.js';
export { DIGITS_URL, loadDigits, parseDigitsCsv } from './digits.js';
export { HarnessError } from './errors.js';
export {
  ACTIVATIONS,
  type Activation,
  buildModel,
  createOptimizer,
  DEFAULT_MODEL_CONFIG,
  type ModelConfig,
  OPTIMIZERS,
  type OptimizerName,
  PARAM_ALIASES,
  paramsToModelConfig,
  resolveModelConfig,
} from './model.js';
export { createObjective, type HarnessObjective, type ObjectiveOptions } from './objective.js';
export { type EpochMetrics, type TrainOptions, type TrainResult, trainModel } from './train.js';
