import { defineConfig } from 'tsdown';

export default defineConfig({
  // node: fileStorage (node:fs); browser: indexedDBStorage (idb). The main entry imports neither.
  // testing: the storage conformance suite under Vitest (imported from the test runner's
  // install); testing-cases: the same cases without a framework, for browser pages.
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    browser: 'src/browser.ts',
    testing: 'src/testing/index.ts',
    'testing-cases': 'src/testing/storageCases.ts',
  },
  format: 'esm',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  deps: { neverBundle: [/^node:/, 'vitest'] },
});
