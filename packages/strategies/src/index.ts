export { type ExhaustiveOptions, exhaustive } from './exhaustive.js';
export { type GridOptions, grid } from './grid.js';
export { type RandomOptions, random } from './random.js';
export type { SobolGenerator, SobolOptions } from './sobol.js';
export { createSobol } from './sobol.js';
export { type SobolStrategyOptions, sobol } from './sobolStrategy.js';
