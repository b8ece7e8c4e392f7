import { defineConfig } from 'tsdown';

export default defineConfig({
  // node: fileStorage (node:fs); browser: indexedDBStorage (idb). The main entry imports neither.
  entry: ['src/index.ts', 'src/node.ts', 'src/browser.ts'],
  format: 'esm',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
  deps: { neverBundle: [/^node:/] },
});
