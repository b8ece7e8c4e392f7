import { defineConfig } from 'tsdown';

export default defineConfig({
  // `testing` (the conformance suite) imports vitest from the test runner's install; only that
  // subpath pulls it in.
  entry: { index: 'src/index.ts', testing: 'src/testing/conformance.ts' },
  external: ['vitest'],
  format: 'esm',
  platform: 'neutral',
  dts: true,
  sourcemap: true,
});
