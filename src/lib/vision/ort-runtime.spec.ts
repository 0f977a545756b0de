import { describe, expect, it } from 'vitest';
import {
  chooseOrtBuild,
  keepOrtBuildOffline,
  ORT_WEBGPU_CACHE,
  ORT_WEBGPU_FILES,
  providersFor,
} from './ort-runtime';

describe('chooseOrtBuild / providersFor', () => {
  it('loads the WebGPU build only where WebGPU will run', () => {
    expect(chooseOrtBuild(undefined, false)).toBe('wasm');
    expect(chooseOrtBuild(undefined, true)).toBe('webgpu');
    expect(chooseOrtBuild('wasm', true)).toBe('wasm'); // "always WebAssembly"
    expect(chooseOrtBuild('webgpu', false)).toBe('webgpu'); // forced, e.g. SwiftShader in tests
  });

  it('tries WebGPU then WASM with the WebGPU build, WASM alone with the plain one', () => {
    expect(providersFor('webgpu', undefined, true)).toEqual(['webgpu', 'wasm']);
    expect(providersFor('wasm', undefined, false)).toEqual(['wasm']);
    expect(providersFor('webgpu', 'webgpu', false)).toEqual(['webgpu', 'wasm']);
    expect(providersFor('webgpu', 'wasm', true)).toEqual(['wasm']);
    // The worker already loaded the plain build: WebGPU is not possible any more.
    expect(providersFor('wasm', 'webgpu', false)).toEqual(['wasm']);
  });

  it('names the files Vite emits for the WebGPU build, and only those', () => {
    const base = 'http://127.0.0.1:4173/assets/';
    expect(ORT_WEBGPU_FILES.test(`${base}ort-wasm-simd-threaded.jsep-MDYUKy93.wasm`)).toBe(true);
    expect(ORT_WEBGPU_FILES.test(`${base}ort-wasm-simd-threaded.jsep-CQxPUKcR.mjs`)).toBe(true);
    expect(ORT_WEBGPU_FILES.test(`${base}ort-wasm-simd-threaded-DcHrbrbl.wasm`)).toBe(false);
    expect(ORT_WEBGPU_FILES.test(`${base}ort-wasm-simd-threaded.jsep-MDYUKy93.wasm.br`)).toBe(
      false,
    );
  });
});

class FakeCache {
  readonly entries = new Map<string, string>();
  fetched: string[] = [];
  keys = () => Promise.resolve([...this.entries.keys()].map((url) => ({ url }) as Request));
  match = (url: string) => Promise.resolve(this.entries.has(url) ? new Response() : undefined);
  add = (url: string) => {
    this.fetched.push(url);
    this.entries.set(url, 'bytes');
    return Promise.resolve();
  };
  delete = (req: Request) => Promise.resolve(this.entries.delete(req.url));
}

describe('keepOrtBuildOffline', () => {
  it('stores the current build once and drops earlier versions', async () => {
    const cache = new FakeCache();
    const opened: string[] = [];
    const storage = {
      open: (name: string) => {
        opened.push(name);
        return Promise.resolve(cache as unknown as Cache);
      },
    };
    const old = 'http://x/assets/ort-wasm-simd-threaded.jsep-OLD.wasm';
    cache.entries.set(old, 'bytes');
    const urls = [
      'http://x/assets/ort-wasm-simd-threaded.jsep-A.mjs',
      'http://x/assets/ort-wasm-simd-threaded.jsep-B.wasm',
    ];
    expect(await keepOrtBuildOffline(storage, urls)).toEqual(urls);
    expect([...cache.entries.keys()]).toEqual(urls);
    // Already there (the service worker's route stored it, or an earlier start): nothing fetched.
    expect(await keepOrtBuildOffline(storage, urls)).toEqual([]);
    expect(cache.fetched).toEqual(urls);
    expect(new Set(opened)).toEqual(new Set([ORT_WEBGPU_CACHE]));
  });
});
