/**
 * Builds the console into dist/, which the host serves at /console (host/src/api/console.ts).
 * Everything it needs is bundled: no CDN, nothing fetched at run time but the host's API.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  // Preact through the automatic JSX runtime: no plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The CSP forbids inline scripts: no module-preload polyfill injected into index.html.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
