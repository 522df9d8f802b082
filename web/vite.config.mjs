// Builds the console (web/) into dist/web, served by the API server at /ui. Everything is
// bundled: no CDN, no network at run time, and no inline script, so a strict CSP
// (script-src 'self') holds.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  logLevel: 'warn',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The module-preload polyfill would be a script of its own; every browser we test has it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 2000,
    sourcemap: false,
    target: 'es2022',
  },
});
