export {
  createWebGPUBackend,
  type WebGPUBackendOptions,
  type WebGPUSurrogateBackend,
} from './backend.js';
export { type DeviceOptions, describeAdapter } from './device.js';
export { GPU_TOPK_MAX } from './engine.js';
export {
  createSurrogateBackend,
  DEFAULT_MIN_WORK,
  type SurrogateBackendOptions,
} from './factory.js';
