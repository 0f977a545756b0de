/**
 * Steps of the lock's e2e tests (lock.e2e.ts, lock-flows.e2e.ts), in Chromium
 * through Playwright: turning encryption on from the UI, unlocking, and a
 * scan of everything the browser stores for readable faces and names.
 */
import { expect, type Page } from '@playwright/test';
import { expectAccessible } from './axe';
import { bbt } from './paths';

export const PASSPHRASE = 'correct horse battery';
export const NAME = 'Amy Farrah Fowler';
export const cam = (file: string) => ({ image: bbt(file), options: { scale: 0.8 } });

/** Turns encryption on from Backup & privacy with `passphrase` (the default one). */
export async function turnOn(page: Page, origin = '', passphrase = PASSPHRASE): Promise<void> {
  await page.goto(`${origin}/#/data`);
  await expect(page.getByTestId('encryption-warning')).toContainText('gone for good');
  if (!origin) await expectAccessible(page, 'Backup & privacy, encryption off');
  await page.getByTestId('lock-passphrase').fill(passphrase);
  await page.getByTestId('lock-passphrase-again').fill(passphrase);
  await page.getByTestId('lock-understood').check();
  await page.getByTestId('encryption-on-button').click();
  await expect(page.getByTestId('encryption-on')).toContainText('Encryption is on', {
    timeout: 60_000,
  });
}

/** Types a passphrase on the unlock screen (at start or on a locked page) and submits it. */
export async function submitPassphrase(page: Page, passphrase: string): Promise<void> {
  await page.getByTestId('unlock-passphrase').fill(passphrase);
  await page.getByTestId('unlock-button').click();
}

/** Unlocks with the right passphrase and waits until the page behind the unlock screen shows. */
export async function unlock(page: Page, passphrase = PASSPHRASE): Promise<void> {
  await submitPassphrase(page, passphrase);
  await expect(page.getByTestId('unlock')).toHaveCount(0, { timeout: 30_000 });
}

export const WRONG = 'That passphrase does not unlock this memory.';

/**
 * Every record of the memory's IndexedDB database, Cache Storage and
 * localStorage, searched for image signatures and for `names` (UTF-8 and UTF-16).
 */
export function scanStorage(names: string[]): Promise<string[]> {
  return (async (names: string[]) => {
    const found: string[] = [];
    // Signatures long enough not to turn up by chance in ciphertext (a 3-byte
    // JPEG start does, about once in 16M bytes); the short starts only where a
    // stored picture would begin: at the start of a byte field.
    const sigs: Array<[string, number[]]> = [
      ['PNG', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
      ['JPEG', [...'JFIF'].map((c) => c.charCodeAt(0)).concat(0)],
      ['JPEG', [...'Exif'].map((c) => c.charCodeAt(0)).concat(0, 0)],
      ['WebP', [...'WEBPVP8'].map((c) => c.charCodeAt(0))],
    ];
    const starts: Array<[string, number[]]> = [
      ['JPEG', [0xff, 0xd8, 0xff]],
      ['WebP', [0x52, 0x49, 0x46, 0x46]],
    ];
    const enc = new TextEncoder();
    const needles: Array<[string, Uint8Array]> = [
      ...sigs.map(([n, b]) => [n, new Uint8Array(b)] as [string, Uint8Array]),
      ...names.map((n) => [`name ${n}`, enc.encode(n)] as [string, Uint8Array]),
    ];
    const startsWith = (hay: Uint8Array, b: number[]) => b.every((x, i) => hay[i] === x);
    const has = (hay: Uint8Array, needle: Uint8Array) => {
      outer: for (let i = 0; i + needle.length <= hay.length; i++) {
        for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
        return true;
      }
      return false;
    };
    const look = (where: string, v: unknown, depth = 0): void => {
      if (depth > 8 || v == null) return;
      if (typeof v === 'string') {
        for (const n of names) if (v.includes(n)) found.push(`${where}: name ${n}`);
        return;
      }
      const bytes =
        v instanceof ArrayBuffer
          ? new Uint8Array(v)
          : ArrayBuffer.isView(v)
            ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
            : null;
      if (bytes) {
        for (const [n, b] of needles) if (has(bytes, b)) found.push(`${where}: ${n}`);
        for (const [n, b] of starts) if (startsWith(bytes, b)) found.push(`${where}: ${n}`);
        return;
      }
      if (typeof v === 'object') {
        for (const [k, x] of Object.entries(v as object)) look(`${where}.${k}`, x, depth + 1);
      }
    };
    const db = await new Promise<IDBDatabase>((ok, no) => {
      const r = indexedDB.open('visio-memoria');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const tx = db.transaction('memory');
    const store = tx.objectStore('memory');
    const [keys, values] = await Promise.all(
      [store.getAllKeys(), store.getAll()].map(
        (r) =>
          new Promise<unknown[]>((ok, no) => {
            r.onsuccess = () => ok(r.result as unknown[]);
            r.onerror = () => no(r.error);
          }),
      ),
    );
    db.close();
    if (!keys!.length) found.push('no records at all');
    keys!.forEach((k, i) => {
      for (const n of names) if (String(k).includes(n)) found.push(`key ${String(k)}`);
      look(`idb ${String(k)}`, values![i]);
    });
    for (let i = 0; i < localStorage.length; i++) {
      const k = localStorage.key(i)!;
      look(`localStorage ${k}`, localStorage.getItem(k));
    }
    // The app's own files (icons among them) are in Cache Storage: a face never is, nor a name.
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const req of await cache.keys()) {
        const res = await cache.match(req);
        const bytes = new Uint8Array(await res!.arrayBuffer());
        for (const [n, b] of needles.filter(([n]) => n.startsWith('name'))) {
          if (has(bytes, b)) found.push(`cache ${req.url}: ${n}`);
        }
        if (!new URL(req.url).pathname.match(/\.(png|svg|ico|webp|jpe?g)$/)) {
          for (const [n, b] of needles.slice(0, 3)) {
            if (bytes.length > 8 && has(bytes.subarray(0, 16), b))
              found.push(`cache ${req.url}: ${n}`);
          }
        }
      }
    }
    return found;
  })(names);
}
