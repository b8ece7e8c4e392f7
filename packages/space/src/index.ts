export {
  type ConfigOf,
  categorical,
  type FloatOptions,
  float,
  type IntOptions,
  int,
  space,
  type TypedSpace,
  type ValueOf,
} from './builder.js';
export { SpaceError } from './errors.js';
export { steppedValues } from './params.js';
export { createSpace, explainNonMember, fromJSON, isSpace, MAX_CONFIGS } from './space.js';
export type * from './types.js';
