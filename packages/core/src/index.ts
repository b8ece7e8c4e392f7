export type {
  CategoricalGroup,
  CategoricalParamJSON,
  Condition,
  Config,
  EncodedDim,
  FloatParamJSON,
  IntParamJSON,
  ParamJSON,
  ParamValue,
  RandomSource,
  Space,
  SpaceJSON,
} from '@webtune/space';
export { StudyExistsError, TrialFinishedError, TrialPruned } from './errors.js';
export { checkStudyMeta, parseStudyMeta, parseTrial } from './persist.js';
export {
  type HyperbandPrunerOptions,
  hyperbandPruner,
  medianPruner,
  noPruner,
  type PercentilePrunerOptions,
  percentilePruner,
  type SuccessiveHalvingPrunerOptions,
  successiveHalvingPruner,
  type ThresholdPrunerOptions,
  thresholdPruner,
} from './pruners.js';
export { createRng, type Rng } from './rng.js';
export { memoryStorage } from './storage.js';
export {
  bestTrialOf,
  createStudy,
  type LoadResult,
  type OptimizeOptions,
  type OptimizeResult,
  parseStudyJSON,
  STALE_TRIAL_ERROR,
  type StopReason,
  type Study,
  type StudyJSON,
  type StudyOptions,
  type TellValue,
  type TrialJSON,
  toStudyCSV,
  toStudyJSON,
} from './study.js';
export type * from './types.js';
