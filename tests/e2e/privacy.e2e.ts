/**
 * Privacy, proven in real Chromium:
 *  - a whole session (first start, camera, recognition, labelling, people, stats, export)
 *    makes no request that leaves the app's origin: every request of the page, its workers
 *    and its service worker is recorded (Playwright 1.65 reports service-worker requests on
 *    the context by default), and the Content-Security-Policy is sent and never violated;
 *  - "delete everything" leaves no IndexedDB database, no cache but the app shell, no file in
 *    the origin-private file system and no localStorage, and the app then starts as new.
 */
import type { Page, Request } from '@playwright/test';
import { CSP_HEADER } from '../../src/lib/privacy/csp.ts';
import { expect, newProfileDir, test } from './support/app';
import { bbt } from './support/paths';
import { expectInView, labelFirstGroup } from './support/story';

const cam = (file: string) => ({ image: bbt(file), options: { scale: 0.8 } });

async function finishOnboarding(page: Page): Promise<void> {
  const dialog = page.getByTestId('onboarding');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Skip' }).click();
  await expect(dialog).toBeHidden();
}

test('a whole session sends nothing beyond the app’s own origin, under its CSP', async ({
  launch,
  baseURL,
}) => {
  const origin = new URL(baseURL!).origin;
  const { page, context } = await launch({
    camera: cam('amy/amy1.png'),
    profileDir: newProfileDir(),
    onboarded: false,
    path: null,
  });
  const requests: Request[] = [];
  context.on('request', (r) => requests.push(r));
  page.on('websocket', (ws) => requests.push({ url: () => ws.url() } as Request));
  const violations: string[] = [];
  const watchConsole = (text: string) => {
    if (/Content Security Policy|Refused to/i.test(text)) violations.push(text);
  };
  context.on('console', (m) => watchConsole(m.text()));
  page.on('worker', (w) => w.on('console', (m) => watchConsole(m.text())));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`Content Security Policy violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });

  const response = await page.goto('/');
  expect(response!.headers()['content-security-policy']).toBe(CSP_HEADER);
  await finishOnboarding(page);
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, 'Amy');
  await page.goto('/#/live');
  await expectInView(page, ['Amy']);
  await page.goto('/#/people');
  await page.getByTestId('person-link').filter({ hasText: 'Amy' }).click();
  await expect(page.getByTestId('person-name')).toHaveText('Amy');
  await page.goto('/#/stats');
  await expect(page.getByTestId('stat-people')).toHaveText('1');
  await page.goto('/#/data');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-button').click(),
  ]);
  expect(await download.path()).toBeTruthy();
  await expect(page.getByTestId('export-done')).toBeVisible();
  // The service worker has precached the app by now (its own requests are recorded too).
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'))
    .toBe('activated');

  const urls = requests.map((r) => r.url());
  const outside = urls.filter(
    (u) =>
      !(u.startsWith(`${origin}/`) || u.startsWith(`blob:${origin}/`) || u.startsWith('data:')),
  );
  expect(outside, 'requests that left the origin').toEqual([]);
  // The recorder saw every realm: the page, a worker's model fetch, the service worker.
  expect(urls.some((u) => u.endsWith('.onnx'))).toBe(true);
  expect(requests.filter((r) => r.serviceWorker?.()).length).toBeGreaterThan(0);
  expect(violations, 'Content-Security-Policy violations').toEqual([]);
  // ONNX Runtime ran with threads under the policy (cross-origin isolated, wasm allowed).
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('“delete everything” leaves nothing but the app shell, and the app starts as new', async ({
  launch,
}) => {
  const { page } = await launch({
    camera: cam('penny/penny1.png'),
    profileDir: newProfileDir(),
    onboarded: false,
  });
  await finishOnboarding(page);
  await expectInView(page, ['Unknown']);
  await labelFirstGroup(page, 'Penny');
  // What else a user's browser may hold for the app: a downloaded model, a file in OPFS.
  await page.evaluate(async () => {
    const cache = await caches.open('visio-models-v1');
    await cache.put('/downloaded-model.onnx', new Response(new Uint8Array(1024)));
    const root = await navigator.storage.getDirectory();
    const handle = await root.getFileHandle('scratch.bin', { create: true });
    const w = await handle.createWritable();
    await w.write(new Uint8Array(16));
    await w.close();
  });
  await expect
    .poll(() => page.evaluate(() => navigator.serviceWorker.controller?.state ?? 'none'))
    .toBe('activated');

  await page.goto('/#/data');
  await page.getByTestId('wipe-button').click();
  const dialog = page.getByTestId('confirm-dialog').filter({ hasText: 'Delete everything?' });
  await expect(dialog.getByTestId('wipe-list')).toContainText('1 people with 1 samples');
  await expect(dialog.getByTestId('wipe-list')).toContainText('visio-memoria');
  await expect(dialog.getByTestId('wipe-list')).toContainText('visio-models-v1 (1 files)');
  await expect(dialog.getByTestId('wipe-list')).toContainText('1 file(s)');
  await expect(dialog.getByTestId('wipe-list')).toContainText('visio.settings');
  await dialog.getByRole('button', { name: 'Delete everything' }).click();
  await expect(page.getByTestId('wipe-done')).toBeVisible();

  const left = await page.evaluate(async () => {
    const root = (await navigator.storage.getDirectory()) as unknown as {
      keys(): AsyncIterable<string>;
    };
    const files: string[] = [];
    for await (const name of root.keys()) files.push(name);
    return {
      databases: (await indexedDB.databases()).map((d) => d.name),
      caches: await caches.keys(),
      files,
      localStorage: localStorage.length,
    };
  });
  expect(left.databases).toEqual([]);
  expect(left.caches.every((name) => name.startsWith('workbox-precache'))).toBe(true);
  expect(left.caches.length).toBeGreaterThan(0); // the app shell stays, so it opens offline
  expect(left.files).toEqual([]);
  expect(left.localStorage).toBe(0);
  await expect(page.getByTestId('wipe-left')).toContainText('IndexedDB databases: none');

  await page.getByTestId('start-afresh').click();
  await finishOnboarding(page); // a first start again
  await page.goto('/#/people');
  await expect(page.getByTestId('people-empty')).toBeVisible();
  await page.goto('/#/stats');
  await expect(page.getByTestId('stat-people')).toHaveText('0');
  await expect(page.getByTestId('stat-samples')).toHaveText('0');
});
