export {
  createWebGPUBackend,
  type GpOperations,
  type WebGPUBackendOptions,
  type WebGPUSurrogateBackend,
} from './backend.js';
export type { Certificate } from './certify.js';
export { type DeviceOptions, describeAdapter } from './device.js';
export type { Df64Check } from './df64Check.js';
export { GPU_TOPK_MAX } from './engine.js';
export {
  createSurrogateBackend,
  DEFAULT_MIN_WORK,
  type SurrogateBackendOptions,
} from './factory.js';
export type { LoadStats } from './resident.js';
