import { defineConfig } from 'tsdown';
import { browserStubs, webgpuTypesInModuleScope } from '../../scripts/tsdown.js';

const entry = ['src/index.ts', 'src/webgpu/index.ts'];

export default defineConfig([
  {
    entry,
    format: 'esm',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    plugins: [webgpuTypesInModuleScope()],
  },
  {
    // The `browser` export condition: no worker threads (src/cpuThreads.browser.ts scores on the
    // calling thread), no Dawn (`webgpu` is a stub; browsers have navigator.gpu).
    entry,
    outDir: 'dist/browser',
    format: 'esm',
    platform: 'browser',
    dts: false,
    sourcemap: true,
    plugins: [
      browserStubs(import.meta.dirname, {
        files: { 'src/cpuThreads.ts': 'src/cpuThreads.browser.ts' },
        replace: {
          'src/webgpu/device.ts': [
            [
              'import(/* @vite-ignore */ specifier)',
              'Promise.reject(new Error("no Dawn in browsers"))',
            ],
          ],
        },
      }),
    ],
  },
]);
