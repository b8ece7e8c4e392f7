/// <reference types="@webgpu/types" preserve="true" />
import { bindGroupLayoutEntries, type ShaderDef, shaderSource } from './layout.js';

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

const cache = new WeakMap<GPUDevice, Map<ShaderDef, CachedPipeline>>();

/** The compute pipeline of `def` on `device`, compiled once per device. */
export function getPipeline(device: GPUDevice, def: ShaderDef): CachedPipeline {
  let perDevice = cache.get(device);
  if (!perDevice) {
    perDevice = new Map();
    cache.set(device, perDevice);
  }
  let hit = perDevice.get(def);
  if (!hit) {
    const layout = device.createBindGroupLayout({
      label: def.label,
      entries: bindGroupLayoutEntries(def.bindings),
    });
    const pipeline = device.createComputePipeline({
      label: def.label,
      layout: device.createPipelineLayout({ label: def.label, bindGroupLayouts: [layout] }),
      compute: {
        module: device.createShaderModule({ label: def.label, code: shaderSource(def) }),
        entryPoint: 'main',
      },
    });
    hit = { pipeline, layout };
    perDevice.set(def, hit);
  }
  return hit;
}
