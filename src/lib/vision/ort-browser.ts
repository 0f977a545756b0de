/**
 * Browser-only wiring of ONNX Runtime and the model sources (imported by
 * vision.worker, never by Node tests: the `?url` imports need Vite).
 *
 * wasmPaths is set explicitly from `?url` imports: without it, ORT's thread
 * workers load the app chunk after bundling and multithreading hangs under
 * COOP/COEP (FACTS.md). Never use ort.env.wasm.proxy; we are already in a worker.
 *
 * Which WebAssembly build it points at (ort-runtime.ts): the plain one
 * (precached) unless this worker will use WebGPU, which needs the JSEP build.
 */
import * as ort from 'onnxruntime-web';
import webgpuWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import webgpuMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import plainWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.wasm?url';
import plainMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.mjs?url';
import type { RgbaImage } from './image';
import { CacheStorageStore, fetchModel, type ModelStore } from './model-store';
import type { ModelFiles, Provider, SessionEnv } from './ort-session';
import { chooseOrtBuild, keepOrtBuildOffline, providersFor, type OrtBuild } from './ort-runtime';
import { bundledUrl, type BundledFile } from './registry';
import { modelRuntimeMissing, wasmThreadsUsable } from '../platform/capabilities';
import type { ModelSource } from './service';

let loaded: OrtBuild | undefined;

/**
 * Points ORT at `want` unless this worker already chose (ORT loads its
 * WebAssembly once); returns the build in use. Threads only with
 * SharedArrayBuffer (see platform/capabilities.ts); else one, without ORT's
 * warning. `maxThreads` 1: no thread workers at all (the page's second start
 * after a first one hung, see workers/start-deadline.ts).
 */
function configureWasm(want: OrtBuild, maxThreads = 4): OrtBuild {
  if (loaded) return loaded;
  loaded = want;
  const [mjs, wasm] =
    want === 'webgpu' ? [webgpuMjsUrl, webgpuWasmUrl] : [plainMjsUrl, plainWasmUrl];
  ort.env.wasm.wasmPaths = { mjs, wasm };
  const cores = globalThis.navigator?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = wasmThreadsUsable() ? Math.max(1, Math.min(maxThreads, 4, cores)) : 1;
  if (want === 'webgpu' && globalThis.caches) {
    // Not precached: kept for offline use here, in the background (a failure only costs offline).
    const urls = [mjs, wasm].map((u) => new URL(u, globalThis.location?.href).href);
    void keepOrtBuildOffline(globalThis.caches, urls).catch(() => undefined);
  }
  return loaded;
}

type Adapter = { isFallbackAdapter?: boolean; info?: { isFallbackAdapter?: boolean } };

/**
 * Whether WebGPU gives a real (hardware) adapter here. A fallback adapter
 * (SwiftShader: WebGPU on the CPU) runs, but a face embedding took ~2 s on
 * it in headless Chromium 156 against ~50 ms on WASM, so it does not count
 * unless `allowFallback` (tests that prove the WebGPU path).
 */
async function hasWebGpu(allowFallback = false): Promise<boolean> {
  const gpu = (
    globalThis.navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } } | undefined
  )?.gpu;
  if (!gpu) return false;
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return false;
    const fallback = adapter.info?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
    return allowFallback || !fallback;
  } catch {
    return false;
  }
}

/**
 * The session environment of the app: WebGPU first when there is an adapter,
 * WASM as the fallback (or `force` one provider, e.g. from a setting or a test).
 * `opts.build` overrides the ORT build the worker loads (see buildForEveryProvider).
 */
export async function browserSessionEnv(
  onFallback: SessionEnv['onFallback'],
  force?: Provider,
  maxThreads?: number,
  opts: { build?: OrtBuild } = {},
): Promise<SessionEnv> {
  const missing = modelRuntimeMissing();
  if (missing.length) {
    throw new Error(
      `This browser cannot run the face models: it lacks ${missing.join(' and ')} (Safari and iPadOS 16.4 or later, current Chrome, Edge and Firefox have them). People, visits and backups still work.`,
    );
  }
  const webgpu = force === undefined ? await hasWebGpu() : false;
  const build = configureWasm(opts.build ?? chooseOrtBuild(force, webgpu), maxThreads);
  return { ort, providers: providersFor(build, force, webgpu), onFallback };
}

/**
 * The build for a worker that runs WASM and then WebGPU (the device check):
 * WebGPU's wherever there is an adapter, a software one included.
 */
export async function buildForEveryProvider(): Promise<OrtBuild> {
  return (await hasWebGpu(true)) ? 'webgpu' : 'wasm';
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Bundled models from the app's own origin (precached by the service worker); others via the store. */
export function browserModelSource(
  base: string,
  store: ModelStore = new CacheStorageStore(),
): ModelSource {
  return {
    async bundled(file: BundledFile): Promise<ModelFiles> {
      return { name: file, model: await fetchBytes(bundledUrl(file, base)) };
    },
    remote: (url, opts) => fetchModel(url, store, opts),
  };
}

let canvas: OffscreenCanvas | undefined;

/**
 * An ImageBitmap (a camera frame) as RGBA pixels, shrunk by the canvas (fast,
 * off the JS hot path) so its longer side is at most `maxSide`: the detector
 * sees 320×240 anyway, and 640 px keeps faces sharp enough to embed. Closes
 * the bitmap. Boxes found in the result are in its pixels (see FrameResult).
 */
export function bitmapToRgba(bitmap: ImageBitmap, maxSide = 640): RgbaImage {
  const k = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * k));
  const height = Math.max(1, Math.round(bitmap.height * k));
  if (!canvas || canvas.width !== width || canvas.height !== height) {
    canvas = new OffscreenCanvas(width, height);
  }
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2d context');
  ctx.imageSmoothingQuality = 'medium';
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const data = ctx.getImageData(0, 0, width, height).data;
  return { width, height, data };
}
