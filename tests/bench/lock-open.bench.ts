/**
 * Lock-open rows of `npm run bench` (suite 'lock-open'): issue #13's open
 * goal measured where it matters, in Chromium (the production build, e2e
 * mode), inside the app's memory worker, with real IndexedDB on disk. Two
 * memories with the same n × 768-d embeddings (n/10 people of 10), one with
 * encryption at rest on (default Argon2id), each flushed (snapshot +
 * checkpoint); then opens alternated, 5 each (3 in quick mode): encrypted
 * open less the unlock (Argon2id, shown apart; a passkey has no such cost)
 * vs the same open unencrypted. n = 100k (quick: 20k).
 *
 * The Node row of the memory suite compares against fake-indexeddb, whose
 * "read" is an in-process structured clone far faster than a disk: there the
 * decryption weighs more than it does in a browser.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from '@playwright/test';
import { baseFlags, chromiumPath } from '../e2e/support/app.ts';
import { repoRoot, tmpDir } from '../e2e/support/paths.ts';
import { serve } from './browser.bench.ts';
import { median, type BenchRow, type BenchSuite } from './types.ts';

const run = promisify(execFile);
const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
const PASSPHRASE = 'bench passphrase, long enough';

/** In the memory worker: fills memory `name` with n embeddings (encrypted first when asked). */
const FILL = (name: string, n: number, encrypted: boolean) => `(async () => {
  const api = self.memoryApi;
  await api.open({ name: ${JSON.stringify(name)}, modelId: 'bench-768', dim: 768 });
  if (${encrypted}) await api.enableEncryption({ passphrase: ${JSON.stringify(PASSPHRASE)} });
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32 - 0.5;
  for (let at = 0; at < ${n}; at += 10000) {
    const m = Math.min(10000, ${n} - at);
    const all = Float32Array.from({ length: m * 768 }, next);
    const entries = [];
    for (let p = 0; p < m; p += 10) {
      entries.push({ name: 'person ' + (at + p) / 10, embeddings: all.subarray(p * 768, (p + 10) * 768) });
    }
    await api.importPersons(entries);
  }
  await api.flush();
  const stats = await api.stats();
  await api.close();
  return stats.ntotal;
})()`;

/** In the memory worker: opens memory `name` (with the passphrase when encrypted); its open report. */
const OPEN = (name: string, encrypted: boolean) => `(async () => {
  const api = self.memoryApi;
  await api.close();
  const opened = await api.open({
    name: ${JSON.stringify(name)},
    modelId: 'bench-768',
    dim: 768,
    maintenanceDelayMs: Infinity,
    ${encrypted ? `unlock: { passphrase: ${JSON.stringify(PASSPHRASE)} },` : ''}
  });
  await api.close();
  return opened.report;
})()`;

interface Report {
  indexSource: string;
  encryption: string;
  unlockMs: number;
  ms: number;
}

const suite: BenchSuite = {
  name: 'lock-open',
  async run({ quick, log }): Promise<BenchRow[]> {
    const n = quick ? 20_000 : 100_000;
    const nk = `${n / 1000}k`;
    await run(process.execPath, [vite, 'build', '--mode', 'e2e', '--logLevel', 'error'], {
      cwd: repoRoot,
    });
    const server = await serve('preview');
    // A profile on disk: an incognito context keeps IndexedDB in memory, with a small quota.
    const profile = await mkdtemp(join(tmpDir, 'lock-open-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: baseFlags,
    });
    try {
      await context.addInitScript(() => {
        localStorage.setItem('visio.settings', JSON.stringify({ version: 2, onboarded: true }));
      });
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(`${server.origin}/#/settings`);
      await page.waitForFunction(() => document.querySelector('main') !== null);
      let app = page.workers().find((w) => w.url().includes('memory.worker'));
      for (let i = 0; !app && i < 120; i++) {
        await page.waitForTimeout(500);
        app = page.workers().find((w) => w.url().includes('memory.worker'));
      }
      if (!app) throw new Error('the app did not start its memory worker');
      // A memory worker of our own, in a page that is not the app (the app's page
      // reopens its own memory in its worker when it finds it closed).
      await page.goto(`${server.origin}/favicon.svg`);
      await page.evaluate((url) => {
        (self as unknown as { benchWorker: Worker }).benchWorker = new Worker(url, {
          type: 'module',
        });
      }, app.url());
      let memory = page.workers().find((w) => w.url().includes('memory.worker'));
      for (let i = 0; !memory && i < 120; i++) {
        await page.waitForTimeout(250);
        memory = page.workers().find((w) => w.url().includes('memory.worker'));
      }
      await memory?.evaluate(`(async () => {
        for (let i = 0; !self.memoryApi && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
      })()`);
      if (!memory) throw new Error('the memory worker is not running');
      const tag = Date.now().toString(36);
      const names = { plain: `bench-open-${tag}`, sealed: `bench-open-${tag}-sealed` };
      for (const [which, name] of Object.entries(names)) {
        const ntotal = (await memory.evaluate(FILL(name, n, which === 'sealed'))) as number;
        if (ntotal !== n) throw new Error(`${name} holds ${ntotal} vectors, not ${n}`);
        log(`${name}: ${ntotal} embeddings`);
      }
      const plain: number[] = [];
      const sealed: number[] = [];
      const unlocks: number[] = [];
      for (let i = 0; i < (quick ? 3 : 5); i++) {
        const a = (await memory.evaluate(OPEN(names.plain, false))) as Report;
        const b = (await memory.evaluate(OPEN(names.sealed, true))) as Report;
        if (
          a.indexSource !== 'checkpoint' ||
          b.indexSource !== 'checkpoint' ||
          b.encryption !== 'on'
        ) {
          throw new Error(`expected checkpoint opens, got ${JSON.stringify([a, b])}`);
        }
        plain.push(a.ms);
        sealed.push(b.ms - b.unlockMs);
        unlocks.push(b.unlockMs);
        log(
          `open ${nk}: plain ${a.ms.toFixed(0)} ms, encrypted ${b.ms.toFixed(0)} ms (unlock ${b.unlockMs.toFixed(0)} ms)`,
        );
      }
      const [p, s, u] = [median(plain), median(sealed), median(unlocks)];
      return [
        {
          suite: 'lock-open',
          name: `open from checkpoint encrypted in Chromium, ${nk} × 768-d, less the unlock`,
          value: s,
          unit: 'ms',
          baseline: { name: 'the same open unencrypted', value: p, unit: 'ms' },
          ratio: s / p,
          goal: '≤ 1.5',
          met: quick ? undefined : s / p <= 1.5,
          note: `inside the memory worker, real IndexedDB; with the unlock ${median(sealed.map((x, i) => x + unlocks[i]!)).toFixed(0)} ms; medians of ${plain.length}, alternated`,
        },
        {
          suite: 'lock-open',
          name: 'unlock by passphrase in Chromium (Argon2id m=64 MiB, t=3, p=1)',
          value: u,
          unit: 'ms',
          note: 'hash-wasm in the memory worker, inside the open',
        },
      ];
    } finally {
      await context.close();
      server.stop();
      await rm(profile, { recursive: true, force: true });
    }
  },
};

export default suite;
