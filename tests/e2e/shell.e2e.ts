import type { Response } from '@playwright/test';
import { test, expect } from './support/app';
import { bbt } from './support/paths';
import { fakeCameraFile, firstFrameRgb } from './support/fake-camera';

test('the page loads and is cross-origin isolated', async ({ launch }) => {
  const { page } = await launch({ camera: { image: bbt('amy/amy1.png') } });
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  expect(await page.evaluate(() => typeof SharedArrayBuffer)).toBe('function');
});

test('the fake camera’s frames reach the page, pixel for pixel', async ({ launch }) => {
  const image = bbt('penny/penny2.png');
  const y4m = await fakeCameraFile(image);
  const expected = await firstFrameRgb(y4m);
  const { page } = await launch({ camera: { image } });
  const video = page.getByTestId('camera-video');
  await expect(video).toHaveJSProperty('readyState', 4);
  const frame = await video.evaluate((v: HTMLVideoElement) => {
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    const g = c.getContext('2d')!;
    g.drawImage(v, 0, 0);
    return {
      w: c.width,
      h: c.height,
      data: Array.from(g.getImageData(0, 0, c.width, c.height).data),
    };
  });
  expect([frame.w, frame.h]).toEqual([expected.width, expected.height]);
  // Sample a grid over the face and the border; each channel within a few levels.
  let worst = 0;
  let checked = 0;
  for (let y = 10; y < frame.h; y += 37) {
    for (let x = 10; x < frame.w; x += 41) {
      for (let ch = 0; ch < 3; ch++) {
        const got = frame.data[(y * frame.w + x) * 4 + ch]!;
        const want = expected.rgb[(y * frame.w + x) * 3 + ch]!;
        worst = Math.max(worst, Math.abs(got - want));
        checked++;
      }
    }
  }
  expect(checked).toBeGreaterThan(300);
  expect(worst).toBeLessThanOrEqual(6);
});

test('a denied camera shows what to do', async ({ launch }) => {
  const { page } = await launch({ camera: { image: bbt('amy/amy1.png') }, permission: 'denied' });
  const alert = page.getByTestId('camera-error');
  await expect(alert).toBeVisible();
  await expect(alert).toHaveAttribute('data-code', 'camera-denied');
  await expect(alert).toContainText('Camera access was denied');
  await expect(alert.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('no camera at all says so', async ({ launch }) => {
  const { page } = await launch({ camera: 'none' });
  const alert = page.getByTestId('camera-error');
  await expect(alert).toBeVisible();
  await expect(alert).toHaveAttribute('data-code', 'camera-missing');
});

test('with two cameras the user can choose, and the choice is kept', async ({ launch }) => {
  const { page } = await launch({ camera: { patternDevices: 2 } });
  const select = page.getByTestId('camera-select');
  await expect(select.locator('option')).toHaveCount(2);
  const ids = await select
    .locator('option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const current = await select.inputValue();
  const other = ids.find((id) => id !== current)!;
  await select.selectOption(other);
  const trackId = () =>
    page.evaluate(() => {
      const v = document.querySelector('video')!;
      const s = v.srcObject as MediaStream | null;
      return s?.getVideoTracks()[0]?.getSettings().deviceId ?? '';
    });
  await expect.poll(trackId).toBe(other);
  await page.reload();
  await expect.poll(trackId).toBe(other);
});

test('after the service worker is active, the app opens offline', async ({ launch }) => {
  const { page, context } = await launch({ camera: { image: bbt('amy/amy1.png') } });
  // The worker precaches the shell before it activates and claims this page.
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'))
    .toBe('activated');
  // Offline at the network layer: every request that leaves the browser (the service
  // worker's own fetches included) is aborted, and recorded.
  const origin = new URL(page.url()).origin;
  const reachedNetwork: string[] = [];
  await context.route('**/*', (route) => {
    reachedNetwork.push(route.request().url());
    return route.abort('internetdisconnected');
  });
  await context.setOffline(true);
  const responses: Response[] = [];
  context.on('response', (r) => responses.push(r));
  await page.reload();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  // The face is named: the models ran, on ONNX Runtime's and FAISS's WASM, in the workers.
  await expect(page.getByTestId('face-box').first()).toBeVisible({ timeout: 60_000 });
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const ours = responses.filter((r) => r.url().startsWith(origin));
  const kinds = {
    page: (u: string) => new URL(u).pathname === '/' || u.endsWith('/index.html'),
    worker: (u: string) => /worker[^/]*\.js$/.test(u),
    model: (u: string) => /\.onnx$/.test(u),
    wasm: (u: string) => /\.wasm$/.test(u),
  };
  for (const [kind, is] of Object.entries(kinds)) {
    expect(ours.filter((r) => is(r.url())).length, `${kind} responses`).toBeGreaterThan(0);
  }
  // Each of them, and everything else of the app's, came from the service worker's cache.
  const notCached = ours.filter((r) => !r.fromServiceWorker()).map((r) => r.url());
  expect(notCached).toEqual([]);
  // Nothing was answered by the network: what tried to reach it was aborted (listed in the report).
  expect(responses.filter((r) => !r.fromServiceWorker()).map((r) => r.url())).toEqual([]);
  test
    .info()
    .annotations.push({ type: 'aborted', description: reachedNetwork.join(', ') || 'none' });
});
