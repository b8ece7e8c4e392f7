/// <reference types="@webgpu/types" preserve="true" />
import { DF64_WGSL } from './df64.wgsl.js';
import { bindGroupLayoutEntries, type ShaderDef, shaderSource } from './layout.js';

export interface CachedPipeline {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

/** Per device and shader: the pipeline, or its compilation under way. */
const cache = new WeakMap<GPUDevice, Map<ShaderDef, CachedPipeline | Promise<CachedPipeline>>>();
/** Whether df64 shaders on a device form exact products with fma (see df64.wgsl.ts). */
const fused = new WeakMap<GPUDevice, boolean>();

/**
 * Sets how df64 shaders on `device` form exact products: fma when the device fuses it (true),
 * else Dekker's splitting. Pipelines compiled the other way are dropped.
 */
export function setFusedMultiplyAdd(device: GPUDevice, fma: boolean): void {
  if ((fused.get(device) ?? false) !== fma) cache.get(device)?.clear();
  fused.set(device, fma);
}

function descriptor(device: GPUDevice, def: ShaderDef) {
  const layout = device.createBindGroupLayout({
    label: def.label,
    entries: bindGroupLayoutEntries(def.bindings),
  });
  const df64 = def.includes.includes(DF64_WGSL);
  const desc: GPUComputePipelineDescriptor = {
    label: def.label,
    layout: device.createPipelineLayout({ label: def.label, bindGroupLayouts: [layout] }),
    compute: {
      module: device.createShaderModule({ label: def.label, code: shaderSource(def) }),
      entryPoint: 'main',
      ...(df64 ? { constants: { DF_FMA: fused.get(device) ? 1 : 0 } } : {}),
    },
  };
  return { desc, layout };
}

function perDevice(device: GPUDevice) {
  let map = cache.get(device);
  if (!map) {
    map = new Map();
    cache.set(device, map);
  }
  return map;
}

/**
 * The compute pipeline of `def` on `device`, compiled once per device; synchronously when
 * {@link compilePipelines} has not compiled it yet.
 */
export function getPipeline(device: GPUDevice, def: ShaderDef): CachedPipeline {
  const map = perDevice(device);
  const hit = map.get(def);
  if (hit && !(hit instanceof Promise)) return hit;
  const { desc, layout } = descriptor(device, def);
  const made = { pipeline: device.createComputePipeline(desc), layout };
  map.set(def, made);
  return made;
}

/** Compiles the pipelines of `defs` on `device` concurrently (createComputePipelineAsync). */
export async function compilePipelines(
  device: GPUDevice,
  defs: readonly ShaderDef[],
): Promise<void> {
  const map = perDevice(device);
  await Promise.all(
    defs.map((def) => {
      const hit = map.get(def);
      if (hit) return hit;
      const { desc, layout } = descriptor(device, def);
      const job: Promise<CachedPipeline> = device
        .createComputePipelineAsync(desc)
        .then((pipeline) => {
          const made = { pipeline, layout };
          if (map.get(def) === job) map.set(def, made);
          return made;
        });
      map.set(def, job);
      return job;
    }),
  );
}
