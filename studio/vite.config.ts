import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The studio page: built into studio/dist, which the studio server serves as is.
export default defineConfig({
  root: resolve(import.meta.dirname),
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: resolve(import.meta.dirname, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
    // three.js's WebGL renderer is most of the bundle (about 540 kB minified, 130 kB brotli).
    chunkSizeWarningLimit: 800,
  },
});
