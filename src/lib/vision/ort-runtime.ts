/**
 * Which of ONNX Runtime's two WebAssembly builds a worker loads, and how the
 * larger one stays offline. Pure (no `?url` imports), so vite.config.ts
 * (the service worker's rules) and the specs share it with ort-browser.ts.
 *
 *  - 'wasm': ort-wasm-simd-threaded (14 MB, 2.3 MB brotli): the WASM
 *    provider only. Every device can run it; the service worker precaches it,
 *    so the app works offline from the first visit.
 *  - 'webgpu': ort-wasm-simd-threaded.jsep (28 MB, 6.6 MB gzip): WebGPU and
 *    WASM. Loaded only where WebGPU will be used (a real adapter, or WebGPU
 *    forced); not precached, but kept at run time in ORT_WEBGPU_CACHE, which
 *    the service worker answers from first (vite.config.ts), so such a device
 *    is offline from its first visit too.
 *
 * ORT loads its WebAssembly once per worker: the first session fixes the build.
 */
import type { Provider } from './ort-session';

export type OrtBuild = 'wasm' | 'webgpu';

/** The Cache Storage cache of the WebGPU build (also named in vite.config.ts's runtimeCaching). */
export const ORT_WEBGPU_CACHE = 'visio-ort-webgpu';

/** The WebGPU build's files as Vite emits them (assets/ort-wasm-simd-threaded.jsep-<hash>.{mjs,wasm}). */
export const ORT_WEBGPU_FILES = /\/ort-wasm-simd-threaded\.jsep-[\w-]+\.(?:mjs|wasm)$/;

/** The same files, for the precache's globIgnores. */
export const ORT_WEBGPU_GLOB = '**/ort-wasm-simd-threaded.jsep-*';

/**
 * The build a worker needs: WebGPU's when WebGPU is forced or the device has
 * an adapter that counts (`webgpu`), else the plain one. `force === 'wasm'`
 * (the "always WebAssembly" setting) takes the plain one even on a GPU.
 */
export function chooseOrtBuild(force: Provider | undefined, webgpu: boolean): OrtBuild {
  if (force === 'webgpu') return 'webgpu';
  if (force === 'wasm' || force === 'cpu') return 'wasm';
  return webgpu ? 'webgpu' : 'wasm';
}

/**
 * The providers to try, in order, with `build` loaded: WebGPU needs its
 * build; the plain one can only run WASM (when the worker already fixed it,
 * a WebGPU request falls back to WASM, which the session reports).
 */
export function providersFor(
  build: OrtBuild,
  force: Provider | undefined,
  webgpu: boolean,
): Provider[] {
  const wanted: Provider[] =
    force === 'webgpu'
      ? ['webgpu', 'wasm']
      : force
        ? [force]
        : webgpu
          ? ['webgpu', 'wasm']
          : ['wasm'];
  return build === 'webgpu' ? wanted : wanted.filter((p) => p !== 'webgpu');
}

type CacheLike = Pick<Cache, 'keys' | 'match' | 'add' | 'delete'>;

/**
 * Keeps exactly `urls` (the WebGPU build this app version loads) in
 * ORT_WEBGPU_CACHE: adds what is missing, drops earlier versions. On a
 * first visit the service worker does not control the page yet, so its
 * runtime route does not see ORT's fetches; this stores them all the same.
 * Returns the URLs it fetched.
 */
export async function keepOrtBuildOffline(
  storage: Pick<CacheStorage, 'open'>,
  urls: readonly string[],
): Promise<string[]> {
  const cache: CacheLike = await storage.open(ORT_WEBGPU_CACHE);
  const keep = new Set(urls);
  for (const req of await cache.keys()) {
    if (!keep.has(req.url)) await cache.delete(req);
  }
  const added: string[] = [];
  for (const url of urls) {
    if (await cache.match(url)) continue;
    await cache.add(url);
    added.push(url);
  }
  return added;
}
