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

function destroy(): void {
  gpu?.destroy();
  gpu = undefined;
}

Object.assign(globalThis, {
  webtune: { caseNames: cases.map((c) => c.name), runCase, adapter, destroy },
});
