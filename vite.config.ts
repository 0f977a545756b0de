import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { bundledModels } from './scripts/models-plugin.ts';
import { precompress } from './scripts/precompress-plugin.ts';
import { CSP_HEADER } from './src/lib/privacy/csp.ts';
import {
  OPTIONAL_MODEL_CACHE,
  OPTIONAL_MODEL_GLOBS,
  OPTIONAL_MODEL_URLS,
} from './src/lib/vision/optional-models.ts';
import {
  ORT_WEBGPU_CACHE,
  ORT_WEBGPU_FILES,
  ORT_WEBGPU_GLOB,
} from './src/lib/vision/ort-runtime.ts';

/**
 * ONNX Runtime (and FAISS) use threads only when the page is cross-origin
 * isolated, which needs these two headers on every response: in dev, in
 * `vite preview` and wherever the build is hosted (public/_headers).
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const;

/** Sent with them: the Content-Security-Policy (src/lib/privacy/csp.ts; also public/_headers). */
const securityHeaders = {
  ...isolationHeaders,
  'Content-Security-Policy': CSP_HEADER,
} as const;

/** The largest file the service worker precaches (the bundled models and wasm). */
const PRECACHE_MAX_BYTES = 64 * 1024 * 1024;

function isolation(): Plugin {
  return {
    name: 'visio:isolation-headers',
    configureServer(server) {
      server.middlewares.use((_req, res, next) => {
        for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v);
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((_req, res, next) => {
        for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v);
        next();
      });
    },
  };
}

/**
 * `virtual:test-hooks` (imported by the workers): tests/support/test-hooks.ts in
 * the e2e build (`vite build --mode e2e`, which the e2e tests run against), an
 * empty no-op in every other build, so no test hook ships with the app.
 */
function testHooks(mode: string): Plugin {
  const id = 'virtual:test-hooks';
  const noop = '\0virtual:test-hooks';
  return {
    name: 'visio:test-hooks',
    resolveId(source) {
      if (source !== id) return null;
      return mode === 'e2e'
        ? fileURLToPath(new URL('./tests/support/test-hooks.ts', import.meta.url))
        : noop;
    },
    load(resolved) {
      return resolved === noop
        ? 'export function installTestHooks() {}\nexport function installPageHooks() {}\n' +
            'export const memorySeams = {};'
        : null;
    },
  };
}

export default defineConfig(({ mode }) => ({
  plugins: [
    testHooks(mode),
    isolation(),
    bundledModels(),
    svelte(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      strategies: 'generateSW',
      manifest: {
        name: 'Visio Memoria',
        short_name: 'Memoria',
        description: 'Remembers faces. Everything stays on this device.',
        theme_color: '#14213d',
        background_color: '#0b1020',
        display: 'standalone',
        orientation: 'any',
        start_url: './',
        scope: './',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          {
            src: 'icons/icon-maskable-512.png',
            sizes: '512x512',
            type: 'image/png',
            purpose: 'maskable',
          },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,mjs,css,html,svg,png,ico,wasm,onnx,webmanifest}'],
        // ORT's WebGPU build (28 MB) only where WebGPU is used: not precached, but kept
        // once fetched (src/lib/vision/ort-runtime.ts), and answered from there first.
        // Bundled models that are not the default likewise (src/lib/vision/optional-models.ts).
        globIgnores: ['**/node_modules/**/*', ORT_WEBGPU_GLOB, ...OPTIONAL_MODEL_GLOBS],
        runtimeCaching: [
          {
            urlPattern: OPTIONAL_MODEL_URLS,
            handler: 'CacheFirst',
            options: { cacheName: OPTIONAL_MODEL_CACHE, cacheableResponse: { statuses: [200] } },
          },
          {
            urlPattern: ORT_WEBGPU_FILES,
            handler: 'CacheFirst',
            options: { cacheName: ORT_WEBGPU_CACHE, cacheableResponse: { statuses: [200] } },
          },
        ],
        maximumFileSizeToCacheInBytes: PRECACHE_MAX_BYTES,
        // Versioned paths (Vite's hashed assets/, the models' models/<sha256>/): the install
        // may take them from the HTTP cache, where the page's own fetches just put them,
        // instead of downloading them again (the models were fetched twice on a first visit).
        dontCacheBustURLsMatching: /^(?:assets\/|models\/[0-9a-f]{8}\/)/,
        navigateFallback: 'index.html',
        clientsClaim: true,
        skipWaiting: true,
        cleanupOutdatedCaches: true,
      },
    }),
    precompress(), // after VitePWA: sw.js is compressed too
  ],
  server: { host: '127.0.0.1', port: 5173, strictPort: true },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true },
  worker: { format: 'es' as const, plugins: () => [testHooks(mode)] },
  build: { target: 'es2022', sourcemap: true },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
}));
