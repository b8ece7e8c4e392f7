import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    // TF.js (with its WebGPU and WebGL backends) is one large chunk by nature.
    chunkSizeWarningLimit: 4096,
  },
  // The study worker imports TF.js backends and the GP's WebGPU code lazily: ES workers can split.
  worker: { format: 'es' },
  // WebGPU needs a secure context: 127.0.0.1 is one, a LAN address is not.
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
