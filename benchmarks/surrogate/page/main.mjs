// The benchmark page: exposes window.bench to the Playwright driver in ../run.mjs.
import { createWebGPUBackend } from '@webtune/gp/webgpu';
import { crossoverCell, makeProblem, runCell } from '../cells.mjs';

let gpu;

window.bench = {
  async adapter() {
    gpu ??= await createWebGPUBackend();
    const i = gpu.adapterInfo ?? {};
    return {
      vendor: i.vendor,
      architecture: i.architecture,
      description: i.description,
      isFallbackAdapter: i.isFallbackAdapter,
      backendDescription: gpu.description,
      userAgent: navigator.userAgent,
    };
  },
  async run(cell, backend, reps, policy) {
    const problem = makeProblem(cell.n, cell.m, cell.d);
    if (backend === 'webgpu') gpu ??= await createWebGPUBackend();
    return runCell(problem, backend === 'cpu' ? 'cpu' : gpu, reps, (s) => policy[s]);
  },
  async crossover(cell, reps) {
    gpu ??= await createWebGPUBackend();
    return crossoverCell(makeProblem(cell.n, cell.m, cell.d), gpu, reps);
  },
  destroy() {
    gpu?.destroy();
    gpu = undefined;
  },
};
