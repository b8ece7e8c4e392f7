import { defineConfig } from 'tsdown';
import { browserStubs, webgpuTypesInModuleScope } from '../../scripts/tsdown.js';

export default defineConfig([
  {
    entry: ['src/index.ts', 'src/node.ts', 'src/tfjs.ts'],
    format: 'esm',
    platform: 'neutral',
    dts: true,
    sourcemap: true,
    deps: { neverBundle: [/^node:/] },
    plugins: [webgpuTypesInModuleScope()],
  },
  {
    // The `browser` export condition: loadDigits fetches every URL (no node:fs for file: URLs); the
    // shipped data is two folders up from dist/browser/.
    entry: ['src/index.ts', 'src/tfjs.ts'],
    outDir: 'dist/browser',
    format: 'esm',
    platform: 'browser',
    dts: false,
    sourcemap: true,
    plugins: [
      browserStubs(import.meta.dirname, {
        replace: {
          'src/digits.ts': [
            ["'../data/digits.csv.gz'", "'../../data/digits.csv.gz'"],
            [
              'import(/* @vite-ignore */ fsModule)',
              'Promise.reject(new Error("loadDigits: " + fsModule + " is not available in browsers"))',
            ],
          ],
        },
      }),
    ],
  },
]);
