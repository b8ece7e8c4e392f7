export {
  acquisitionValues,
  acquisitionWithGradient,
  DEFAULT_UCB_BETA,
} from './acquisition.js';
export {
  type CpuBackendOptions,
  createCpuBackend,
  type ScoreStats,
  scoreTopKSync,
  THREAD_MIN_WORK,
  TopKHeap,
  topK,
} from './cpuBackend.js';
export { createGPFactor, type GPFactor } from './factor.js';
export {
  conditionGP,
  type FitOptions,
  fitGP,
  type GPPrior,
  type LogPosteriorObjective,
  logPosteriorObjective,
  NOISE_FLOOR,
  PARAM_BOUNDS,
  standardize,
} from './fit.js';
export {
  crossCovariance,
  kernelDiag,
  kernelDR2,
  kernelFromR2,
  kernelMatrix,
  kernelMatrixPacked,
} from './kernel.js';
export {
  type MinimizeBoundedOptions,
  type MinimizeBoundedResult,
  minimizeBounded,
  type Objective,
} from './lbfgsb.js';
export {
  cholesky,
  choleskyInto,
  choleskySolve,
  choleskyWithJitter,
  inverseFromCholesky,
  JITTER_SCHEDULE,
  logDetFromCholesky,
  packedLength,
  packLower,
  rowOffset,
  solveLower,
  solveLowerTransposed,
  solveUpper,
  unpackLower,
} from './linalg.js';
export { type PolishOptions, polishAcquisition } from './polish.js';
export {
  type Posterior,
  type PosteriorGradient,
  posterior,
  posteriorWithGradient,
  VARIANCE_FLOOR,
} from './posterior.js';
export { mulberry32 } from './random.js';
export { dLogH, erf, erfc, erfcx, h, logH, logNormCdf, normCdf, normPdf } from './special.js';
export type * from './types.js';
export {
  createSurrogateBackend,
  DEFAULT_MIN_WORK,
  type SurrogateBackendOptions,
} from './webgpu/factory.js';
