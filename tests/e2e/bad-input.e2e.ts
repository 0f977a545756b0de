/**
 * Bad input in real Chromium (ARCHITECTURE invariant 6): damaged storage, a
 * full disk, an unplugged camera and an absurdly large photo each get a
 * clear message and leave the stored memory as it was. The other bad inputs
 * are proven elsewhere; docs/bad-input.md lists them all.
 */
import type { BrowserContext, Page, Worker } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import type { MemoryWorkerApi } from '../../src/lib/workers/memory.worker';
import { expect, killBrowser, newProfileDir, test, memoryWorker } from './support/app';
import { bbt, tmpDir } from './support/paths';
import { expectInView, labelFirstGroup, queueCount } from './support/story';

const amy = { image: bbt('amy/amy1.png'), options: { scale: 0.8 } };
const MEMORY_DB = 'visio-memoria';
const CHECKPOINT_KEY = 'faiss/face-fr512';

type Stats = Awaited<ReturnType<MemoryWorkerApi['stats']>>;

const stats = (w: Worker) => w.evaluate('self.memoryApi.stats()') as Promise<Stats>;

/** Waits until the memory is open; returns its stats. */
async function opened(w: Worker): Promise<Stats> {
  let got: Stats | null = null;
  await expect
    .poll(async () => (got = await stats(w).catch(() => null)), { timeout: 60_000 })
    .toBeTruthy();
  return got!;
}
const verify = (w: Worker) =>
  w.evaluate('self.memoryApi.verify()') as Promise<{ ok: boolean; problems: string[] }>;

/**
 * A page of the app's origin that does not run the app (the favicon), to
 * read or damage the memory's IndexedDB while the app is not using it.
 */
async function storagePage(page: Page): Promise<Page> {
  await page.goto('/favicon.svg');
  return page;
}

/** Every stored key → SHA-256 of its value (Blobs and typed arrays by their bytes). */
function digest(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const store = db.transaction('memory').objectStore('memory');
    const all = <T>(r: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
    const [keys, values] = await Promise.all([all(store.getAllKeys()), all(store.getAll())]);
    db.close();
    const out: Record<string, string> = {};
    for (const [i, key] of keys.entries()) {
      const v: unknown = values[i];
      const bytes =
        v instanceof Blob
          ? new Uint8Array(await v.arrayBuffer())
          : ArrayBuffer.isView(v)
            ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
            : new TextEncoder().encode(
                JSON.stringify(v, (_, x: unknown) =>
                  ArrayBuffer.isView(x) ? [...new Uint8Array(x.buffer)] : x,
                ),
              );
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes.slice()));
      out[String(key)] = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
    }
    return out;
  }, MEMORY_DB);
}

/** Reads (and with `put`, replaces) one stored value; returns the old one's bytes. */
function rawValue(page: Page, key: string, put?: { bytes?: number[]; text?: string }) {
  return page.evaluate(
    async ([name, key, put]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const tx = db.transaction('memory', 'readwrite');
      const store = tx.objectStore('memory');
      const old = await new Promise<unknown>((resolve) => {
        const r = store.get(key);
        r.onsuccess = () => resolve(r.result);
      });
      if (put) store.put(put.text ?? Uint8Array.from(put.bytes ?? []), key);
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
      const bytes = (old as { bytes?: Uint8Array })?.bytes ?? old;
      return bytes instanceof Uint8Array ? [...bytes] : null;
    },
    [MEMORY_DB, key, put] as const,
  );
}

/**
 * Damages the checkpoint: its last part (of the FAISS bytes, stored in parts
 * under the header) cut in half, its tags left as they were. Returns the
 * header's size in bytes (0 when there was none).
 */
function truncateCheckpoint(page: Page) {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
    const tx = db.transaction('memory', 'readwrite');
    const store = tx.objectStore('memory');
    const get = <T>(key: string) =>
      new Promise<T | undefined>((resolve) => {
        const r = store.get(key);
        r.onsuccess = () => resolve(r.result as T | undefined);
      });
    const key = 'faiss/face-fr512'; // CHECKPOINT_KEY
    const header = await get<{ size: number; parts: number }>(key);
    if (header) {
      const partKey = `${key}/${String(header.parts - 1).padStart(6, '0')}`;
      const part = (await get<{ bytes: Uint8Array }>(partKey))!;
      store.put({ ...part, bytes: part.bytes.slice(0, part.bytes.length >> 1) }, partKey);
    }
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    return header?.size ?? 0;
  }, MEMORY_DB);
}

/** The stored checkpoint's size in bytes, from its header (null: none). */
async function checkpointSize(page: Page): Promise<number | null> {
  return page.evaluate(
    async ([name, key]) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(name);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      const header = await new Promise<{ size?: number } | undefined>((resolve) => {
        const r = db.transaction('memory', 'readonly').objectStore('memory').get(key);
        r.onsuccess = () => resolve(r.result as { size?: number } | undefined);
      });
      db.close();
      return header?.size ?? null;
    },
    [MEMORY_DB, CHECKPOINT_KEY] as const,
  );
}

const errorBanner = (page: Page) => page.locator('.banner.error');

test('damaged SQLite bytes: the app says so and changes nothing; a damaged checkpoint is rebuilt', async ({
  launch,
}) => {
  test.setTimeout(240_000);
  const profileDir = newProfileDir();
  let app = await launch({ camera: amy, profileDir });
  await expectInView(app.page, ['Unknown']);
  await labelFirstGroup(app.page, 'Amy');
  await app.page.goto('/#/live');
  await expectInView(app.page, ['Amy']);
  await app.page.goto('/#/people'); // no more sightings: the memory goes idle
  // Idle upkeep writes the first checkpoint a few seconds after the last action.
  await expect
    .poll(async () => Object.keys(await digest(app.page)), { timeout: 30_000 })
    .toContain(CHECKPOINT_KEY);
  await app.close();

  // The FAISS checkpoint cut in half: derived data, rebuilt; the user sees nothing wrong.
  app = await launch({ camera: 'none', profileDir, path: null });
  const checkpointBytes = await truncateCheckpoint(await storagePage(app.page));
  expect(checkpointBytes).toBeGreaterThan(100);
  await app.close();
  app = await launch({ camera: { ...amy, image: bbt('amy/amy2.png') }, profileDir });
  await expectInView(app.page, ['Amy']);
  await expect(errorBanner(app.page)).toHaveCount(0);
  expect(await verify(await memoryWorker(app.page))).toMatchObject({ ok: true, problems: [] });
  // The rebuilt index is stored again, whole, once the memory is idle.
  await app.page.goto('/#/people');
  await expect
    .poll(async () => checkpointSize(app.page), { timeout: 30_000 })
    .toBe(checkpointBytes);
  await app.close();

  // The SQLite file replaced by other bytes: a clear error, and not a byte written over it.
  app = await launch({ camera: 'none', profileDir, path: null });
  const page = await storagePage(app.page);
  const good = (await rawValue(page, 'sqlite'))!;
  expect(good.length).toBeGreaterThan(4096);
  const damaged = good.map((b, i) => (i < 16 ? 0 : b)); // its "SQLite format 3" header gone
  await rawValue(page, 'sqlite', { bytes: damaged });
  const before = await digest(page);
  await app.close();

  app = await launch({ camera: amy, profileDir });
  await expect(errorBanner(app.page)).toHaveText(
    "The app could not start: This memory's database could not be read (it is not a SQLite " +
      'file). Nothing was changed: the stored data is kept as it was.',
    { timeout: 60_000 },
  );
  // Nothing is written later either: the worker holds no open memory, the only writer.
  await expect(memoryWorker(app.page).then(stats)).rejects.toThrow(/not open/);
  expect(await killBrowser(profileDir)).toBe(true);
  await app.close();

  app = await launch({ camera: 'none', profileDir, path: null });
  expect(await digest(await storagePage(app.page))).toEqual(before);
  await rawValue(app.page, 'sqlite', { bytes: good }); // the good bytes back: all there
  await app.close();
  app = await launch({ camera: { ...amy, image: bbt('amy/amy3.png') }, profileDir });
  await expectInView(app.page, ['Amy']);
  await expect(errorBanner(app.page)).toHaveCount(0);
  expect(await verify(await memoryWorker(app.page))).toMatchObject({ ok: true });
});

/**
 * Caps the origin's storage (DevTools protocol). Chromium takes the quota of
 * an origin's storage when this browser first uses it, so the cap is set
 * before the app opens, from a page that does not run it.
 */
async function capQuota(context: BrowserContext, page: Page, quotaSize: number) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(page.url()).origin,
    quotaSize,
  });
  return cdp; // the override lasts while this session is attached
}

test('storage full: labelling says so, nothing is half-written, and works once there is room', async ({
  launch,
}) => {
  const profileDir = newProfileDir();
  let app = await launch({ camera: amy, profileDir });
  await expectInView(app.page, ['Unknown']);
  await expect.poll(() => queueCount(app.page)).toBe(1);
  await app.page.goto('/#/queue');
  await expect
    .poll(async () => Object.keys(await digest(app.page)), { timeout: 30_000 })
    .toContain(CHECKPOINT_KEY); // idle upkeep done: nothing else will write
  await app.close();

  // A disk with 2 KB to spare: opening works (it reads), labelling a face needs more.
  app = await launch({ camera: 'none', profileDir, path: null });
  const page = await storagePage(app.page);
  const before = await digest(page);
  const { usage } = await page.evaluate(() => navigator.storage.estimate());
  const cdp = await capQuota(app.context, page, usage! + 2048);
  await page.goto('/#/queue');
  const w = await memoryWorker(page);
  const counts = await opened(w);
  const card = page.getByTestId('queue-group').first();
  await card.getByTestId('name-input').fill('Amy');
  await card.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.toast.error span')).toHaveText(
    'Labelling: The device is out of storage space, so this was not saved. ' +
      'Nothing was changed: free some space and try again.',
  );
  expect(await stats(w)).toEqual(counts);
  expect(await verify(w)).toMatchObject({ ok: true });
  await expect(page.getByTestId('queue-group')).toHaveCount(1);
  await page.goto('/#/people');
  await expect(page.getByTestId('people-empty')).toBeVisible();
  expect(await digest(page)).toEqual(before);
  await cdp.detach();
  await app.close();

  // Room again (a new browser, no cap): the same face is labelled.
  app = await launch({ camera: 'none', profileDir, path: '/#/queue' });
  await labelFirstGroup(app.page, 'Amy');
  expect(await stats(await memoryWorker(app.page))).toMatchObject({
    persons: 1,
    samples: 1,
    unlabeled: 0,
  });
});

test('an unplugged camera: the app says so, keeps the memory, and "Try again" recovers', async ({
  launch,
}) => {
  const { page } = await launch({ camera: amy });
  await expectInView(page, ['Unknown']);
  const w = await memoryWorker(page);
  await expect.poll(async () => (await stats(w)).unlabeled).toBe(1);
  const counts = await stats(w);
  // A stopped track sends no frames and fires no 'ended'; an unplugged camera does both.
  await page.evaluate(() => {
    const video = document.querySelector('video')!;
    const track = (video.srcObject as MediaStream).getVideoTracks()[0]!;
    track.stop();
    track.dispatchEvent(new Event('ended'));
  });
  const alert = page.getByTestId('camera-error');
  await expect(alert).toHaveAttribute('data-code', 'camera-lost');
  await expect(alert).toContainText(
    'The camera stopped (it may have been unplugged). Reconnect it and press “Try again”.',
  );
  await expect(page.getByTestId('face-box')).toHaveCount(0);
  expect(await stats(w)).toEqual(counts);
  await alert.getByRole('button', { name: 'Try again' }).click();
  await expect(alert).toHaveCount(0);
  await expect(page.getByTestId('camera-video')).toHaveJSProperty('readyState', 4);
  await expectInView(page, ['Unknown']);
  expect(await stats(w)).toMatchObject({ unlabeled: 1, persons: 0 });
});

/** A valid PNG, 1-bit grey, of width×height pixels (all black): tiny on disk, huge decoded. */
function hugePng(width: number, height: number): string {
  const dir = join(tmpDir, 'photos');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `black-${width}x${height}.png`);
  const row = Buffer.alloc(1 + Math.ceil(width / 8)); // filter byte 0, then zeros
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  writeFileSync(
    file,
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(raw, { level: 9 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
  return file;
}

function crc32(buf: Buffer): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

test('a photo of 208 megapixels is refused before it is decoded; the queue is unchanged', async ({
  launch,
}) => {
  const { page } = await launch({ camera: 'none', path: '/#/queue' });
  await expect(page.getByTestId('add-photos')).toBeEnabled({ timeout: 60_000 });
  const before = await opened(await memoryWorker(page));
  await page.getByTestId('add-photos').setInputFiles(hugePng(16_000, 13_000));
  await expect(page.locator('.toast.error')).toContainText(
    'black-16000x13000.png has 208 megapixels; pictures up to 200 megapixels can be used. ' +
      'Make it smaller first.',
  );
  expect(await stats(await memoryWorker(page))).toEqual(before);
  expect(await queueCount(page)).toBe(0);
});
