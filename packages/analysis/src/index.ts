export {
  type ImportanceMeasure,
  type ImportanceOptions,
  type ImportanceReport,
  type ImportanceTrial,
  importanceCaveats,
  importanceReport,
  MIN_EXPLAINED,
  MIN_FIT_R2,
  type ParamImportance,
  paramImportances,
  thinByNumber,
} from './importance.js';
export { type ImportanceBudget, type ImportancePlan, importancePlan } from './plan.js';
export { type BatchFunction, type SobolGroup, type SobolIndices, sobolIndices } from './sobol.js';
