import * as tf from '@tensorflow/tfjs';
import { HarnessError } from './errors.js';

/**
 * A TF.js backend to train on. 'auto' picks, in order: in the browser webgpu, webgl, cpu;
 * in Node wasm (measured 1.4–4× faster per epoch than cpu on digits MLPs), then cpu.
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

/** Registers a backend package on demand: webgpu and wasm register themselves when imported, so they are imported only when asked for. */
async function register(name: Exclude<BackendName, 'auto'>): Promise<void> {
  if (tf.findBackendFactory(name)) return;
  if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  else if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
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

/**
 * Makes `name` TF.js's active backend (a process-wide TF.js setting) and resolves to the backend
 * actually in use. An explicit name that cannot start, or that lacks the kernels to train
 * `architecture` (wasm cannot train the CNN), throws `HarnessError`; 'auto' falls back along its
 * order and ends at cpu.
 */
export async function useBackend(
  name: BackendName = 'auto',
  architecture: 'mlp' | 'cnn' = 'mlp',
): Promise<string> {
  checkBackendName(name);
  if (name !== 'auto') {
    if (!(await trySet(name, architecture))) {
      throw new HarnessError(
        canTrain(name, architecture) || !tf.findBackendFactory(name)
          ? `backend: '${name}' is not available here`
          : `backend: '${name}' cannot train a ${architecture} (missing gradient kernels); use 'cpu' or 'auto'`,
      );
    }
    return name;
  }
  const order: Exclude<BackendName, 'auto'>[] = isNode()
    ? ['wasm', 'cpu']
    : ['webgpu', 'webgl', 'cpu'];
  for (const candidate of order) {
    if (await trySet(candidate, architecture)) return candidate;
  }
  throw new HarnessError('backend: no TF.js backend could start');
}

/**
 * The GPUDevice of TF.js's WebGPU backend when it is the active one (so the GP surrogate can run
 * on the same device), else undefined.
 */
export function getWebGPUDevice(): GPUDevice | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  return (tf.backend() as unknown as { device?: GPUDevice }).device;
}
