export {
  type ImportanceMeasure,
  type ImportanceOptions,
  type ImportanceReport,
  type ImportanceTrial,
  importanceReport,
  MIN_EXPLAINED,
  type ParamImportance,
  paramImportances,
  thinByNumber,
} from './importance.js';
export { type BatchFunction, type SobolGroup, type SobolIndices, sobolIndices } from './sobol.js';
