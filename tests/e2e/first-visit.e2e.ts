/**
 * What a first visit fetches and keeps (issue #11, item 5): the preview
 * server sends the large files compressed; a device without a real WebGPU
 * adapter (headless Chromium here) loads and precaches ONNX Runtime's plain
 * WebAssembly build, never the 28 MB WebGPU one; where WebGPU runs (forced
 * here on SwiftShader, by the device check) the WebGPU build is fetched,
 * kept in its own cache and works offline from then on.
 */
import type { Page, Response } from '@playwright/test';
import { expect, test } from './support/app';
import { bbt } from './support/paths';

const WEBGPU_CACHE = 'visio-ort-webgpu'; // src/lib/vision/ort-runtime.ts: ORT_WEBGPU_CACHE

/** Every cache of the origin with the paths of its entries. */
function cacheContents(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const name of await caches.keys()) {
      const keys = await (await caches.open(name)).keys();
      out[name] = keys.map((r) => new URL(r.url).pathname);
    }
    return out;
  });
}

const swActive = (page: Page) =>
  expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'), {
      timeout: 60_000,
    })
    .toBe('activated');

test('without WebGPU, the first visit loads the plain ORT build, compressed, and precaches it alone', async ({
  launch,
}) => {
  const responses: Response[] = [];
  const { page } = await launch({ camera: { image: bbt('amy/amy1.png') }, path: null });
  page.context().on('response', (r) => responses.push(r));
  await page.goto('/');
  await expect(page.getByTestId('face-box').first()).not.toHaveAttribute(
    'data-state',
    'identifying',
    { timeout: 60_000 },
  );
  await swActive(page);

  const ort = responses.filter((r) => r.url().includes('/ort-wasm-simd-threaded'));
  expect(ort.map((r) => new URL(r.url()).pathname)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/ort-wasm-simd-threaded-[\w-]+\.wasm$/),
      expect.stringMatching(/ort-wasm-simd-threaded-[\w-]+\.mjs$/),
    ]),
  );
  expect(ort.filter((r) => r.url().includes('.jsep')).map((r) => r.url())).toEqual([]);

  // From the network (the page's and the service worker's requests), the big files came
  // brotli-compressed. (A response Chromium answered from its HTTP cache has no headers here.)
  const encodings = new Map<string, Set<string>>();
  for (const r of responses.filter((r) => !r.fromServiceWorker() && r.status() === 200)) {
    const path = new URL(r.url()).pathname;
    const headers = await r.allHeaders();
    if (!/\.(wasm|onnx|js|mjs)$/.test(path) || !headers['content-length']) continue;
    encodings.set(path, (encodings.get(path) ?? new Set()).add(headers['content-encoding'] ?? ''));
  }
  const big = [...encodings.keys()].filter((p) => /\.(wasm|onnx)$/.test(p));
  expect(big.length, big.join(', ')).toBeGreaterThanOrEqual(5); // ORT, FAISS, SQLite, models
  for (const [path, seen] of encodings) expect([...seen], path).toEqual(['br']);

  const cached = await cacheContents(page);
  const precache = Object.entries(cached).find(([name]) => name.startsWith('workbox-precache'));
  expect(precache, Object.keys(cached).join(', ')).toBeDefined();
  const files = precache![1];
  expect(files.some((p) => /ort-wasm-simd-threaded-[\w-]+\.wasm$/.test(p))).toBe(true);
  expect(files.filter((p) => p.includes('.jsep'))).toEqual([]);
  expect(files.filter((p) => /\.onnx$/.test(p))).toHaveLength(3);
  expect(cached[WEBGPU_CACHE] ?? []).toEqual([]);
});

test('where WebGPU runs, its ORT build is fetched, kept, and works offline', async ({ launch }) => {
  test.setTimeout(300_000);
  const { page, context } = await launch({ camera: 'none', path: '/#/settings', webgpu: true });
  const webgpuRow = page.getByTestId('check-model-webgpu-single');
  const check = async () => {
    await page.getByTestId('run-check').click();
    await expect(page.getByTestId('check-step')).toHaveText('Done.', { timeout: 180_000 });
    await expect(webgpuRow, await webgpuRow.innerText()).toHaveAttribute('data-ok', 'true');
    await expect(webgpuRow).toHaveAttribute('data-provider', 'webgpu');
  };
  await check();
  await swActive(page);
  await expect
    .poll(async () => ((await cacheContents(page))[WEBGPU_CACHE] ?? []).sort())
    .toEqual([
      expect.stringMatching(/ort-wasm-simd-threaded\.jsep-[\w-]+\.mjs$/),
      expect.stringMatching(/ort-wasm-simd-threaded\.jsep-[\w-]+\.wasm$/),
    ]);

  // Offline: nothing reaches the network; the WebGPU build comes from its cache.
  await context.route('**/*', (route) => route.abort('internetdisconnected'));
  await context.setOffline(true);
  await page.reload();
  await check();
});
