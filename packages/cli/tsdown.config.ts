import { defineConfig } from 'tsdown';

export default defineConfig({
  // cli.ts starts with a #!/usr/bin/env node line; tsdown keeps it and marks dist/cli.js executable.
  // isolateWorker.ts is the worker thread of `run --isolate`, loaded by URL from dist/.
  entry: ['src/index.ts', 'src/cli.ts', 'src/isolateWorker.ts'],
  format: 'esm',
  platform: 'node',
  // .js / .d.ts like the other packages (the package is "type": "module").
  fixedExtension: false,
  dts: true,
  sourcemap: true,
});
