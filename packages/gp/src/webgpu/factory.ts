/// <reference types="@webgpu/types" preserve="true" />
import { createCpuBackend } from '../cpuBackend.js';
import type { SurrogateBackend } from '../types.js';

/**
 * Default 'auto' threshold on n·m (training points × candidates) below which the CPU scores.
 * The CPU's scoring costs up to n²·m/2 multiply-adds (the triangular solve; it prunes most
 * candidates in practice) at ~1–2 ns each in V8 (benchmarks/surrogate calibrates this on the
 * machine it runs on), while one WebGPU call has a fixed cost of roughly 1–2 ms (submit,
 * upload, readback) on a discrete GPU — an estimate: no real GPU was available to measure it.
 * They break even near n²·m ≈ 2–4e6, i.e. n·m ≈ 65536 at the n ≈ 30–60 trials where a study
 * first gets there. Run the benchmark on the target GPU and pass `minWork` to tune it.
 */
export const DEFAULT_MIN_WORK = 65_536;

/** Options of {@link createSurrogateBackend}. */
export interface SurrogateBackendOptions {
  /**
   * 'cpu': the exact f64 backend. 'webgpu': the WebGPU backend, or an error when no adapter
   * exists (never a silent fallback). 'auto' (default): WebGPU when a non-fallback adapter
   * exists (a fallback adapter such as SwiftShader is slower than the CPU path), per call only
   * when n·m ≥ `minWork`; else the CPU. `description` says which was chosen and why.
   */
  backend?: 'webgpu' | 'cpu' | 'auto';
  /** Run on this device (e.g. TF.js's `tf.backend().device`); not destroyed by `destroy()`. */
  device?: GPUDevice;
  /** Request the device from this adapter. */
  adapter?: GPUAdapter;
  powerPreference?: GPUPowerPreference;
  /** 'auto' only: n·m at and above which a call goes to the GPU (default {@link DEFAULT_MIN_WORK}). */
  minWork?: number;
}

/**
 * Creates the surrogate backend a strategy scores candidates with. The WebGPU code is loaded by
 * a dynamic import only when it is needed, so this entry stays light.
 * @throws for backend 'webgpu' without a WebGPU adapter, and for invalid options.
 */
export async function createSurrogateBackend(
  options: SurrogateBackendOptions = {},
): Promise<SurrogateBackend> {
  const choice = options.backend ?? 'auto';
  if (choice !== 'cpu' && choice !== 'webgpu' && choice !== 'auto') {
    throw new Error(`backend: '${String(choice)}' must be 'webgpu', 'cpu' or 'auto'`);
  }
  const minWork = options.minWork ?? DEFAULT_MIN_WORK;
  if (!(minWork >= 0) || !Number.isFinite(minWork)) {
    throw new Error(`minWork: ${minWork} must be a finite number ≥ 0`);
  }
  if (choice === 'cpu') return createCpuBackend();
  const deviceOptions = {
    ...(options.device ? { device: options.device } : {}),
    ...(options.adapter ? { adapter: options.adapter } : {}),
    ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}),
  };
  const { createWebGPUBackend } = await import('./backend.js');
  if (choice === 'webgpu') return createWebGPUBackend(deviceOptions);

  const { describeAdapter, findAdapter } = await import('./device.js');
  let adapter = options.adapter;
  let info = options.device?.adapterInfo ?? adapter?.info;
  if (!options.device && !adapter) {
    const found = await findAdapter(options.powerPreference);
    adapter = found?.adapter;
    info = adapter?.info;
    if (!found) return withDescription(createCpuBackend(), 'auto → cpu: no WebGPU adapter');
  }
  if (info?.isFallbackAdapter) {
    return withDescription(
      createCpuBackend(),
      `auto → cpu: the only WebGPU adapter is a fallback adapter (${describeAdapter(info)}), slower than the f64 CPU path`,
    );
  }
  const gpu = await createWebGPUBackend(adapter ? { ...deviceOptions, adapter } : deviceOptions);
  const cpu = createCpuBackend();
  const useGpu = (n: number, m: number) => n * m >= minWork;
  return {
    name: 'webgpu',
    description: `auto → webgpu (${describeAdapter(info)}) when n·m ≥ ${minWork}, cpu below (fixed GPU submit/readback cost dominates small problems)`,
    predict: (gp, xc, m) => (useGpu(gp.n, m) ? gpu : cpu).predict(gp, xc, m),
    scoreTopK: (gp, xc, m, acq, k) => (useGpu(gp.n, m) ? gpu : cpu).scoreTopK(gp, xc, m, acq, k),
    destroy: () => gpu.destroy(),
  };
}

function withDescription(backend: SurrogateBackend, description: string): SurrogateBackend {
  return { ...backend, description };
}
