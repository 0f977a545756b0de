/**
 * "Check this device" in real Chromium: FAISS (WebAssembly) inside a Web
 * Worker builds, searches, saves and reloads flat and IVF indexes; a model
 * with DINOv3's signature runs through the app's real loader, registry and
 * preprocessing in a worker, on WASM and on WebGPU (SwiftShader here), in
 * both file layouts (one .onnx; .onnx + .onnx_data).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './support/app';
import { tmpDir } from './support/paths';

const shots = join(tmpDir, 'screenshots');
mkdirSync(shots, { recursive: true });

async function runCheck(page: Page): Promise<void> {
  await page.getByTestId('run-check').click();
  await expect(page.getByTestId('check-step')).toHaveText('Done.', { timeout: 180_000 });
}

const row = (page: Page, key: string) => page.getByTestId(`check-model-${key}`);

test('FAISS works inside a Web Worker; the DINOv3-signature model runs on WASM in both layouts', async ({
  launch,
}) => {
  const { page } = await launch({ camera: 'none', path: '/#/settings' });
  await runCheck(page);

  const faiss = page.getByTestId('check-faiss');
  await expect(faiss).toHaveAttribute('data-ok', 'true');
  await expect(faiss).toContainText('FAISS works here');
  // The figures behind "works": exact top-1 every time, IVF recall, identical after a round trip.
  await expect(page.getByTestId('faiss-flat')).toContainText('top result right 100%');
  const recall = Number(
    /(\d+(?:\.\d+)?)% of the time/.exec(await page.getByTestId('faiss-ivf').innerText())![1],
  );
  expect(recall).toBeGreaterThanOrEqual(90);
  await expect(page.getByTestId('faiss-io')).toContainText(
    'same results after writeIndex → readIndex',
  );

  for (const layout of ['single', 'external']) {
    const r = row(page, `wasm-${layout}`);
    await expect(r).toHaveAttribute('data-ok', 'true');
    await expect(r).toHaveAttribute('data-provider', 'wasm');
    await expect(r).toContainText('64-d');
  }
  // Without --enable-unsafe-webgpu there is no adapter: said, and not tried.
  await expect(page.getByTestId('gpu')).toContainText('not available');
  await expect(row(page, 'webgpu-single')).toHaveCount(0);
});

test('with WebGPU (SwiftShader), the DINOv3-signature model runs on WebGPU in both layouts', async ({
  launch,
}) => {
  const { page } = await launch({ camera: 'none', path: '/#/settings', webgpu: true });
  await runCheck(page);
  await expect(page.getByTestId('gpu')).toContainText('available');
  await expect(page.getByTestId('gpu')).toContainText('software adapter');
  for (const layout of ['single', 'external']) {
    const r = row(page, `webgpu-${layout}`);
    await expect(r, await r.innerText()).toHaveAttribute('data-ok', 'true');
    await expect(r).toHaveAttribute('data-provider', 'webgpu');
    await expect(r).toContainText('64-d');
  }
  for (const layout of ['single', 'external']) {
    await expect(row(page, `wasm-${layout}`)).toHaveAttribute('data-ok', 'true');
  }
  await page
    .getByTestId('device-check')
    .screenshot({ path: join(shots, 'settings-device-check.png') });
});
