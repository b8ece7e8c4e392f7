import { defineConfig, type Plugin } from 'vite';

/**
 * The demo never offers TF.js's wasm backend (its .wasm files would have to be served too), so
 * the harness's on-demand import of it resolves to a module that throws: `useBackend('wasm')`
 * then says it is not available, and 250 kB of wasm glue stay out of the build.
 */
function withoutTfjsWasm(): Plugin {
  const stub = '\0webtune-demo:no-tfjs-wasm';
  return {
    name: 'webtune-demo:no-tfjs-wasm',
    enforce: 'pre',
    resolveId: (id) => (id === '@tensorflow/tfjs-backend-wasm' ? stub : null),
    load: (id) =>
      id === stub ? 'throw new Error("the demo does not offer TF.js\'s wasm backend");' : null,
  };
}

export default defineConfig({
  plugins: [withoutTfjsWasm()],
  build: {
    target: 'es2022',
    // Source maps (19 MB, mostly TF.js) only when asked: SOURCEMAP=1 npm run build.
    sourcemap: process.env.SOURCEMAP === '1',
    // TF.js's webgpu and webgl backends are large chunks by nature; the page loads neither up front.
    chunkSizeWarningLimit: 1024,
  },
  // The study worker imports TF.js backends and the GP's WebGPU code lazily: ES workers can split.
  worker: { format: 'es', plugins: () => [withoutTfjsWasm()] },
  // WebGPU needs a secure context: 127.0.0.1 is one, a LAN address is not.
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
