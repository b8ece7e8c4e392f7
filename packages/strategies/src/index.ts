export {
  type AcqOptimizerOptions,
  createModelEncoding,
  type ModelEncoding,
} from './acqopt.js';
export type { BackendChoice, FitOptions as ModelFitOptions } from './acqopt-model.js';
export { type BayesianOptions, bayesian, type ModelOptions } from './bayesian.js';
export { type ExhaustiveOptions, exhaustive } from './exhaustive.js';
export { type GradientOptions, gradient } from './gradient.js';
export { type GridOptions, grid } from './grid.js';
export { type RandomOptions, random } from './random.js';
export type { SobolGenerator, SobolOptions } from './sobol.js';
export { createSobol } from './sobol.js';
export { type SobolStrategyOptions, sobol } from './sobolStrategy.js';
export { defaultGamma, type TpeOptions, tpe } from './tpe.js';
export type { TpeBandwidth } from './tpe-parzen.js';
