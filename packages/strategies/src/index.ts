export type { SobolGenerator, SobolOptions } from './sobol.js';
export { createSobol } from './sobol.js';
