/// <reference types="@webgpu/types" preserve="true" />

/** Limits worth raising above the WebGPU defaults when the adapter allows (buffers of n², m). */
const RAISED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxStorageBuffersPerShaderStage',
] as const;

/** The `webgpu` package's shape as far as it is used here (optional dependency). */
interface DawnModule {
  create(flags: string[]): GPU;
}

/*
 * One Dawn instance per process, created on first use and kept: node-webgpu aborts the process
 * when an instance is garbage-collected after one of its devices was destroyed (reproduced with
 * webgpu 0.6.2), and a kept instance does not stop Node from exiting. An instance that found no
 * adapter is dropped (it made no device), so a retry can see a changed VK_ICD_FILENAMES.
 */
let dawn: Promise<GPU | undefined> | undefined;

/**
 * navigator.gpu in browsers (and Deno); in Node the optional `webgpu` package (Dawn), loaded
 * lazily so that importing @webtune/gp never loads a native module. Undefined when neither exists.
 */
export function findGpu(): Promise<GPU | undefined> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return Promise.resolve(nav.gpu);
  const specifier = 'webgpu';
  dawn ??= import(/* @vite-ignore */ specifier).then(
    (mod: DawnModule) => mod.create([]),
    () => undefined,
  );
  return dawn;
}

/** An opened device and what is known of its adapter. */
export interface OpenedDevice {
  device: GPUDevice;
  info: GPUAdapterInfo | undefined;
  /** True when this code created the device (and so destroys it). */
  owned: boolean;
  /** The GPU object the device came from (undefined for a caller's device). */
  gpu: GPU | undefined;
}

/** Options for picking the device of a WebGPU backend. */
export interface DeviceOptions {
  /** Use this device (e.g. TF.js's: `tf.backend().device`); it is not destroyed by `destroy()`. */
  device?: GPUDevice;
  /** Request the device from this adapter. */
  adapter?: GPUAdapter;
  /** Passed to requestAdapter (default: the implementation's choice). */
  powerPreference?: GPUPowerPreference;
}

/** Requests an adapter (without a device), or undefined when WebGPU is not available. */
export async function findAdapter(
  powerPreference?: GPUPowerPreference,
): Promise<{ adapter: GPUAdapter; gpu: GPU } | undefined> {
  const gpu = await findGpu();
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter(powerPreference ? { powerPreference } : {});
  if (!adapter && gpu !== (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu) {
    dawn = undefined;
  }
  return adapter ? { adapter, gpu } : undefined;
}

/** Opens a device per `options`, with the adapter's higher buffer limits when it has them. */
export async function openDevice(options: DeviceOptions): Promise<OpenedDevice> {
  if (options.device) {
    return {
      device: options.device,
      info: options.device.adapterInfo ?? options.adapter?.info,
      owned: false,
      gpu: undefined,
    };
  }
  let adapter = options.adapter;
  let gpu: GPU | undefined;
  if (!adapter) {
    const found = await findAdapter(options.powerPreference);
    if (!found) {
      throw new Error(
        "backend 'webgpu': no WebGPU adapter is available (navigator.gpu is missing or returned no adapter; in Node install the optional 'webgpu' package and a Vulkan/Metal/D3D12 driver) — use backend 'cpu' or 'auto'",
      );
    }
    adapter = found.adapter;
    gpu = found.gpu;
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ label: 'webtune-gp', requiredLimits });
  return { device, info: adapter.info, owned: true, gpu };
}

/** "vendor architecture (description), fallback adapter" — for backend descriptions. */
export function describeAdapter(info: GPUAdapterInfo | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = [info.vendor, info.architecture].filter((s) => s);
  const desc = info.description ? ` (${info.description})` : '';
  const fallback = info.isFallbackAdapter ? ', fallback adapter' : '';
  return `${parts.join(' ') || 'unknown vendor'}${desc}${fallback}`;
}
