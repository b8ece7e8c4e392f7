export {
  type ImportanceMeasure,
  type ImportanceOptions,
  type ImportanceTrial,
  type ParamImportance,
  paramImportances,
} from './importance.js';
export { type BatchFunction, type SobolGroup, type SobolIndices, sobolIndices } from './sobol.js';
