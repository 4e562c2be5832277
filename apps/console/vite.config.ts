import path from 'node:path';
import { defineConfig } from 'vite';

/**
 * The console: a single-page app the admin API serves on its own origin (dist/console). `npm run build` builds
 * it with the rest; `npx vite --config apps/console/vite.config.ts` serves it for development, proxying the API.
 */
export default defineConfig({
  root: __dirname,
  base: '/',
  build: {
    outDir: path.resolve(__dirname, '../../dist/console'),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: { '/api': 'http://localhost:3000' },
  },
});
