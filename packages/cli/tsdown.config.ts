import { defineConfig } from 'tsdown';

export default defineConfig({
  // cli.ts starts with a #!/usr/bin/env node line; tsdown keeps it and marks dist/cli.js executable.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: 'esm',
  platform: 'node',
  // .js / .d.ts like the other packages (the package is "type": "module").
  fixedExtension: false,
  dts: true,
  sourcemap: true,
});
