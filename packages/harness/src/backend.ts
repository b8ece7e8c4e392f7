import { HarnessError } from './errors.js';
import * as tf from './tf.js';

/**
 * A TF.js backend to train on. 'auto' picks, in order: in the browser webgpu (a hardware adapter
 * only), webgl (a hardware renderer only), cpu; in Node wasm (measured 1.4–4× faster per epoch
 * than cpu on digits MLPs), then cpu.
 */
export type BackendName = 'auto' | 'cpu' | 'wasm' | 'webgl' | 'webgpu';

const BACKENDS = ['auto', 'cpu', 'wasm', 'webgl', 'webgpu'] as const;

/** Throws `HarnessError` unless `name` is a known backend name. */
export function checkBackendName(name: unknown): asserts name is BackendName {
  if (!(BACKENDS as readonly unknown[]).includes(name)) {
    throw new HarnessError(
      `backend: unknown backend ${JSON.stringify(name)} (expected ${BACKENDS.join(', ')})`,
    );
  }
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/**
 * Registers a backend package on demand: each registers itself when imported (and the harness
 * imports TF.js's core and layers only), so only the backends asked for are ever loaded.
 */
async function register(name: Exclude<BackendName, 'auto'>): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  else if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  else if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  else await import('@tensorflow/tfjs-backend-wasm');
}

/**
 * Why 'auto' should pass over a GPU backend here, or null when it may try it: a fallback
 * (software) WebGPU adapter such as SwiftShader, or a software WebGL renderer, trains an MLP
 * many times slower than the cpu backend (measured 11–15 s against under 1 s per digits trial),
 * as the GP's 'auto' passes over fallback adapters.
 */
async function softwareOnly(name: 'webgpu' | 'webgl'): Promise<string | null> {
  if (name === 'webgpu') {
    const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
    if (!gpu) return 'no navigator.gpu';
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter';
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const fallback =
      info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
    return fallback
      ? `the WebGPU adapter is a fallback (software) one (${[info.vendor, info.architecture].filter(Boolean).join(' ') || 'unknown'})`
      : null;
  }
  const canvas =
    typeof OffscreenCanvas !== 'undefined'
      ? new OffscreenCanvas(1, 1)
      : (globalThis.document?.createElement('canvas') ?? null);
  const gl = canvas?.getContext('webgl2') as WebGL2RenderingContext | null | undefined;
  if (!gl) return 'no WebGL 2 context';
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|softpipe|software/i.test(renderer)
    ? `WebGL renders in software (${renderer})`
    : null;
}

/** Gradient kernels a CNN needs that TF.js 4.22's wasm backend lacks. */
const CNN_KERNELS = ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad'];

/** Whether a registered backend has every kernel needed to train the architecture. */
export function canTrain(backend: string, architecture: 'mlp' | 'cnn'): boolean {
  if (architecture === 'mlp') return true;
  return CNN_KERNELS.every((k) => tf.getKernel(k, backend) !== undefined);
}

async function trySet(
  name: Exclude<BackendName, 'auto'>,
  architecture: 'mlp' | 'cnn',
): Promise<boolean> {
  try {
    await register(name);
    if (!canTrain(name, architecture)) return false;
    if (tf.getBackend() === name) return true;
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** The backend {@link chooseBackend} made active, and why 'auto' passed over the others. */
export interface BackendChoice {
  backend: Exclude<BackendName, 'auto'>;
  /** One line per backend 'auto' tried or skipped before this one (empty for an explicit name). */
  skipped: string[];
}

/**
 * Makes `name` TF.js's active backend (a process-wide TF.js setting) and resolves to the backend
 * actually in use with the reasons 'auto' passed over others. An explicit name that cannot
 * start, or that lacks the kernels to train `architecture` (wasm cannot train the CNN), throws
 * `HarnessError`; 'auto' falls back along its order and ends at cpu, passing over software GPU
 * backends (a fallback WebGPU adapter, a software WebGL renderer).
 */
export async function chooseBackend(
  name: BackendName = 'auto',
  architecture: 'mlp' | 'cnn' = 'mlp',
): Promise<BackendChoice> {
  checkBackendName(name);
  if (name !== 'auto') {
    if (!(await trySet(name, architecture))) {
      throw new HarnessError(
        canTrain(name, architecture) || !tf.findBackendFactory(name)
          ? `backend: '${name}' is not available here`
          : `backend: '${name}' cannot train a ${architecture} (missing gradient kernels); use 'cpu' or 'auto'`,
      );
    }
    return { backend: name, skipped: [] };
  }
  const order: Exclude<BackendName, 'auto'>[] = isNode()
    ? ['wasm', 'cpu']
    : ['webgpu', 'webgl', 'cpu'];
  const skipped: string[] = [];
  for (const candidate of order) {
    if (candidate === 'webgpu' || candidate === 'webgl') {
      const why = await softwareOnly(candidate).catch((e: unknown) => String(e));
      if (why !== null) {
        skipped.push(`${candidate}: ${why}`);
        continue;
      }
    }
    if (await trySet(candidate, architecture)) return { backend: candidate, skipped };
    skipped.push(`${candidate}: did not start`);
  }
  throw new HarnessError(`backend: no TF.js backend could start (${skipped.join('; ')})`);
}

/** {@link chooseBackend}, resolving to the backend's name only. */
export async function useBackend(
  name: BackendName = 'auto',
  architecture: 'mlp' | 'cnn' = 'mlp',
): Promise<string> {
  return (await chooseBackend(name, architecture)).backend;
}

/**
 * The GPUDevice of TF.js's WebGPU backend when it is the active one (so the GP surrogate can run
 * on the same device), else undefined.
 */
export function getWebGPUDevice(): GPUDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return (tf.backend() as unknown as { device?: GPUDevice }).device;
}
