import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    // TF.js (with its WebGPU and WebGL backends) is one large chunk by nature.
    chunkSizeWarningLimit: 4096,
  },
  // WebGPU needs a secure context: 127.0.0.1 is one, a LAN address is not.
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
