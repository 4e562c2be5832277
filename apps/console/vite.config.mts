import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * The console: a single-page app the admin API serves on its own origin (dist/console). `npm run build` builds
 * it with the rest; `npx vite --config apps/console/vite.config.mts` serves it for development, proxying the API.
 */
export default defineConfig({
  root: here,
  base: '/',
  build: {
    outDir: path.resolve(here, '../../dist/console'),
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      onwarn(warning, warn) {
        // Mantine marks its modules "use client" for React Server Components; a browser bundle has no use for it.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: { '/api': 'http://localhost:3000' },
  },
});
