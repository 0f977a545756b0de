/**
 * The e2e fixture: launches Debian's Chromium (or CHROMIUM_PATH) with the
 * flags FACTS.md lists, a fake camera showing a chosen image, and the camera
 * permission granted or denied, against the `vite preview` server.
 */
import {
  test as base,
  expect,
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
  type Worker,
} from '@playwright/test';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fakeCameraFile, type FakeCameraOptions } from './fake-camera';
import { tmpDir } from './paths';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium stalls on a closed network. */
export const baseFlags = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface AppLaunch {
  /** An image the fake camera shows; 'none' = no camera at all. */
  camera?: { image: string; options?: FakeCameraOptions } | { patternDevices: number } | 'none';
  /** Camera permission: granted by default. */
  permission?: 'granted' | 'denied';
  /** Keep storage in this profile folder (reused across launches = a browser restart). */
  profileDir?: string;
  webgpu?: boolean;
  viewport?: { width: number; height: number };
  /** Path to open; default '/'. `null` opens nothing. */
  path?: string | null;
  /** Skip the first-start introduction (default true; false shows it as a new user sees it). */
  onboarded?: boolean;
}

export interface LaunchedApp {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function cameraFlags(camera: AppLaunch['camera']): Promise<string[]> {
  if (!camera || camera === 'none') return [];
  // Chromium's file camera is always a single device; several cameras are its test patterns.
  if ('patternDevices' in camera) {
    return [`--use-fake-device-for-media-stream=device-count=${camera.patternDevices}`];
  }
  const file = await fakeCameraFile(camera.image, camera.options);
  return ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${file}`];
}

export async function launchApp(baseURL: string, opts: AppLaunch = {}): Promise<LaunchedApp> {
  const args = [...baseFlags, ...(await cameraFlags(opts.camera))];
  if (opts.webgpu) args.push('--enable-unsafe-webgpu');
  const contextOptions = {
    baseURL,
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    // Granting here (instead of --use-fake-ui-for-media-stream) lets a test deny it.
    permissions: opts.permission === 'denied' ? [] : ['camera'],
  };
  let browser: Browser | null = null;
  let context: BrowserContext;
  if (opts.profileDir) {
    mkdirSync(opts.profileDir, { recursive: true });
    context = await chromium.launchPersistentContext(opts.profileDir, {
      executablePath: chromiumPath,
      headless: true,
      args,
      ...contextOptions,
    });
  } else {
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args });
    context = await browser.newContext(contextOptions);
  }
  if (opts.onboarded !== false) {
    // Only on a fresh profile, so a test's own settings survive reloads and restarts.
    await context.addInitScript(() => {
      try {
        const key = 'visio.settings'; // src/lib/settings/settings.ts: SETTINGS_KEY
        if (!localStorage.getItem(key))
          localStorage.setItem(key, JSON.stringify({ version: 2, onboarded: true }));
      } catch {
        // a document without storage (about:blank, opaque origins)
      }
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`[page error] ${e.message}`));
  if (opts.path !== null) await page.goto(opts.path ?? '/');
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await browser?.close().catch(() => {});
    },
  };
}

/** A fresh profile folder under tests/.tmp, for tests that restart the browser. */
export function newProfileDir(): string {
  mkdirSync(join(tmpDir, 'profiles'), { recursive: true });
  return mkdtempSync(join(tmpDir, 'profiles', 'p-'));
}

interface Fixtures {
  /** Launches the app; every launched browser is closed when the test ends. */
  launch: (opts?: AppLaunch) => Promise<LaunchedApp>;
}

export const test = base.extend<Fixtures & { pageErrors: string[] }>({
  /** Uncaught errors of any page the test opened; a test fails if there are any (see below). */
  // Playwright reads a fixture's dependencies from its destructuring pattern: none here.
  // eslint-disable-next-line no-empty-pattern
  pageErrors: async ({}, use) => {
    await use([]);
  },
  launch: async ({ baseURL, pageErrors }, use) => {
    const open: LaunchedApp[] = [];
    await use(async (opts) => {
      const app = await launchApp(baseURL!, opts);
      app.context.on('weberror', (e) =>
        pageErrors.push(`${e.error().message} (${e.page()?.url() ?? 'a worker'})`),
      );
      open.push(app);
      return app;
    });
    for (const app of open) await app.close();
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  },
});

export { expect };

/** The memory worker (the app starts it once the models are loaded); the e2e build puts `memoryApi` on it. */
export async function memoryWorker(page: Page): Promise<Worker> {
  let found: Worker | undefined;
  await expect
    .poll(() => (found = page.workers().find((w) => w.url().includes('memory.worker'))), {
      timeout: 60_000,
    })
    .toBeTruthy();
  return found!;
}

/**
 * Kills the Chromium that uses `profileDir` with SIGKILL, as a crash or a
 * power cut would: nothing is flushed, nothing is closed. False when no
 * such browser was running.
 */
export async function killBrowser(profileDir: string): Promise<boolean> {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync('pkill', ['-9', '-f', `user-data-dir=${profileDir}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // no such process
  }
}
