/// <reference types="@webgpu/types" />
import { createCpuBackend } from '../../../packages/gp/src/cpuBackend.js';
import {
  createWebGPUBackend,
  type WebGPUSurrogateBackend,
} from '../../../packages/gp/src/webgpu/backend.js';
import {
  type CaseResult,
  conformanceCases,
  cpuOperations,
} from '../../../packages/gp/src/webgpu/conformance.js';

/*
 * The page the Playwright test drives: the same conformance cases as the Node suite, on the
 * browser's navigator.gpu and on the CPU reference, run one at a time through window.webtune.
 */

let gpu: WebGPUSurrogateBackend | undefined;
const cases = conformanceCases();
const cpu = { ...createCpuBackend(), ...cpuOperations() };

async function runCase(name: string, backend: 'cpu' | 'webgpu'): Promise<CaseResult> {
  const c = cases.find((x) => x.name === name);
  if (!c) throw new Error(`no conformance case named '${name}'`);
  if (backend === 'cpu') return c.run(cpu);
  gpu ??= await createWebGPUBackend();
  return c.run(gpu);
}

async function adapter(): Promise<Record<string, unknown>> {
  gpu ??= await createWebGPUBackend();
  const info = gpu.adapterInfo;
  return {
    vendor: info?.vendor,
    architecture: info?.architecture,
    description: info?.description,
    isFallbackAdapter: info?.isFallbackAdapter,
    userAgent: navigator.userAgent,
  };
}

/**
 * The GP backend on the device TF.js's WebGPU backend made: a conformance case on it, then
 * TF.js still computing on that device after the GP backend's destroy().
 */
async function sharedWithTfjs(): Promise<CaseResult & { sameDevice: boolean; tfjsSum: number }> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error("tf.setBackend('webgpu') failed");
  await tf.ready();
  const device = (tf.backend() as unknown as { device: GPUDevice }).device;
  const shared = await createWebGPUBackend({ device });
  // On TF.js's device, with WebGPU's default limits (8 storage buffers, 16 KiB of workgroup
  // memory): a case that screens, scores exactly and reduces the top k.
  const c = cases.find((x) => x.name.startsWith('top-1 ei'));
  if (!c) throw new Error("no conformance case named 'top-1 ei…'");
  const result = await c.run(shared);
  const sameDevice = shared.device === device;
  shared.destroy();
  const sum = tf.tidy(() => tf.sum(tf.square(tf.tensor1d([1, 2, 3]))));
  const tfjsSum = (await sum.data())[0]!;
  sum.dispose();
  return { ...result, sameDevice, tfjsSum };
}

function destroy(): void {
  gpu?.destroy();
  gpu = undefined;
}

Object.assign(globalThis, {
  webtune: { caseNames: cases.map((c) => c.name), runCase, adapter, sharedWithTfjs, destroy },
});
