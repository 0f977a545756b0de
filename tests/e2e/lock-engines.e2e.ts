/**
 * The lock with a passphrase in Firefox ESR and WebKitGTK (engine.ts drives
 * them as engines.e2e.ts does): turned on from the UI, the unlock screen
 * after a reload, a wrong passphrase refused with a clear message and nothing
 * stored changed, the right one opens the same memory. What the page says
 * about passkeys follows what the engine reports: WebKitGTK has no WebAuthn
 * at all (passphrase only, said so); Firefox reports the PRF extension
 * (a security key can serve), so it offers passkeys. Chromium: lock.e2e.ts,
 * lock-flows.e2e.ts. E2E_ENGINES=firefox,webkit picks engines.
 */
import { test, expect } from '@playwright/test';
import { existsSync } from 'node:fs';
import { tid, waitFor, type EngineName, type EngineSession } from './support/engines/engine';
import { FIREFOX_PATH, MINIBROWSER, WEBKIT_DRIVER, launchEngine } from './support/engines/launch';
import {
  labelFirstGroup,
  pageState,
  queueCount,
  textOf,
  countOf,
  waitEnabled,
  waitText,
} from './support/engines/steps';
import { bbt } from './support/paths';

const ENGINES = (process.env.E2E_ENGINES ?? 'firefox,webkit')
  .split(',')
  .filter((e): e is 'firefox' | 'webkit' => e === 'firefox' || e === 'webkit');
const BINARIES: Record<'firefox' | 'webkit', string[]> = {
  firefox: [FIREFOX_PATH],
  webkit: [WEBKIT_DRIVER, MINIBROWSER],
};
const PASSPHRASE = 'correct horse battery';
const NAME = 'Amy Farrah Fowler';

/** Every record of the memory's database: key → SHA-256 of its value's bytes and strings. */
const storedDigests = () =>
  (async () => {
    const parts = (v: unknown, out: Uint8Array[], depth = 0): void => {
      if (depth > 8 || v == null) return;
      if (v instanceof ArrayBuffer) out.push(new Uint8Array(v));
      else if (ArrayBuffer.isView(v))
        out.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice());
      else if (typeof v === 'object')
        for (const [k, x] of Object.entries(v as object).sort()) {
          out.push(new TextEncoder().encode(k));
          parts(x, out, depth + 1);
        }
      else out.push(new TextEncoder().encode(`${typeof v}:${String(v)}`));
    };
    const db = await new Promise<IDBDatabase>((ok, no) => {
      const r = indexedDB.open('visio-memoria');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const store = db.transaction('memory').objectStore('memory');
    const read = <T>(r: IDBRequest<T>) =>
      new Promise<T>((ok, no) => {
        r.onsuccess = () => ok(r.result);
        r.onerror = () => no(r.error);
      });
    const [keys, values] = await Promise.all([read(store.getAllKeys()), read(store.getAll())]);
    db.close();
    const out: Record<string, string> = {};
    for (const [i, k] of keys.entries()) {
      const chunks: Uint8Array[] = [];
      parts(values[i], chunks);
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      let at = 0;
      for (const c of chunks) all.set(c, (at += c.length) - c.length);
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
      out[String(k)] = Array.from(hash.subarray(0, 8), (b) => b.toString(16)).join('');
    }
    return out;
  })();

for (const engine of ENGINES) {
  test.describe(engine, () => {
    let s: EngineSession;
    const missing = BINARIES[engine].filter((b) => !existsSync(b));
    // Missing binaries skip only outside CI; .ci/run installs all three engines.
    test.skip(missing.length > 0 && !process.env.CI, `not installed: ${missing.join(', ')}`);

    test.beforeEach(async ({ baseURL }) => {
      s = await launchEngine(engine as EngineName, baseURL!);
    });
    test.afterEach(async () => {
      await s?.close();
      if (s?.collectsErrors) expect(s.errors, `${engine}: errors in the page`).toEqual([]);
    });

    // Playwright reads a test's fixtures from its destructuring pattern: none here.
    // eslint-disable-next-line no-empty-pattern
    test('passphrase lock: on, reload, wrong refused and nothing changed, right opens the same memory', async ({}, info) => {
      test.setTimeout(240_000);
      const t0 = Date.now();
      const { tab } = s;
      // A person and four queued faces, from a group photo (no live loop: WebKit is slow here).
      await tab.goto('/#/queue');
      await waitEnabled(tab, tid('add-photos'));
      await tab.upload(tid('add-photos'), bbt('groups/bbt3.jpg'));
      await waitFor(
        'five queued',
        () => queueCount(tab),
        (n) => n === 5,
        60_000,
      );
      await labelFirstGroup(tab, NAME);

      await tab.goto('/#/data');
      await pageState(tab, waitText(tab, tid('encryption-warning'), /gone for good/, 60_000));
      await tab.fill(tid('lock-passphrase'), PASSPHRASE);
      await tab.fill(tid('lock-passphrase-again'), PASSPHRASE);
      await tab.click(tid('lock-understood'));
      await waitEnabled(tab, tid('encryption-on-button'), 5_000);
      await tab.click(tid('encryption-on-button'));
      await pageState(tab, waitText(tab, tid('encryption-on'), /Encryption is on/, 90_000));

      // Passkeys: as the engine offers them.
      const prf = await tab.evaluate(async () => {
        const PKC = globalThis.PublicKeyCredential as
          { getClientCapabilities?: () => Promise<Record<string, boolean>> } | undefined;
        if (!PKC || !navigator.credentials) return 'no';
        const caps = await PKC.getClientCapabilities?.().catch(() => undefined);
        return caps && 'extension:prf' in caps ? (caps['extension:prf'] ? 'yes' : 'no') : '?';
      });
      info.annotations.push({ type: 'prf', description: `${engine}: ${prf}` });
      if (engine === 'webkit') expect(prf).toBe('no');
      if (prf === 'no') {
        expect(await textOf(tab, tid('no-prf'))).toMatch(
          /cannot unlock with a passkey.*passphrase\s+only/s,
        );
        expect(await countOf(tab, tid('passkey-add'))).toBe(0);
      } else {
        expect(await countOf(tab, tid('no-prf'))).toBe(0);
        expect(await countOf(tab, tid('passkey-add'))).toBe(1);
        expect(await textOf(tab, tid('passphrase-only'))).toMatch(/only the passphrase unlocks/);
      }

      await tab.reload();
      await pageState(tab, waitText(tab, '#unlock-title', /Unlock the memory/, 60_000));
      expect(await countOf(tab, tid('unlock-passkey'))).toBe(0);
      const before = await tab.evaluate(storedDigests);
      expect(Object.keys(before).length).toBeGreaterThan(5);
      await tab.fill(tid('unlock-passphrase'), 'not the passphrase');
      await tab.click(tid('unlock-button'));
      await pageState(
        tab,
        waitText(tab, tid('unlock-error'), /^That passphrase does not unlock this memory\.$/),
      );
      expect(await textOf(tab, '#unlock-title')).toBe('Unlock the memory');
      expect(await tab.evaluate(storedDigests)).toEqual(before);

      await tab.fill(tid('unlock-passphrase'), PASSPHRASE);
      await tab.click(tid('unlock-button'));
      await pageState(
        tab,
        waitFor(
          'the unlock screen to go',
          () => countOf(tab, tid('unlock')),
          (n) => n === 0,
          60_000,
        ),
      );
      await tab.goto('/#/people');
      await waitText(tab, tid('person-link'), new RegExp(NAME));
      expect(await countOf(tab, tid('person-link'))).toBe(1);
      await waitFor(
        'four still queued',
        () => queueCount(tab),
        (n) => n === 4,
      );
      info.annotations.push({ type: 'time', description: `${engine}: ${Date.now() - t0} ms` });
      console.log(`[lock-engines] ${engine} (${s.version}): prf ${prf}, ${Date.now() - t0} ms`);
    });
  });
}
