/**
 * The three drivers behind engine.ts. Each session starts with a fresh,
 * throw-away profile and the first-start introduction skipped.
 */
import { freePort } from '../../../support/free-port';
import { chromium, type BrowserContext, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import puppeteer, { type Browser as PBrowser, type Page as PPage } from 'puppeteer-core';
import { Builder, By, type WebDriver } from 'selenium-webdriver';
import { baseFlags, chromiumPath } from '../app';
import type { EngineName, EngineSession, EngineTab } from './engine';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER =
  process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Run in every new document before the app: skip the introduction (settings.ts SETTINGS_KEY). */
export const ONBOARDED = `try { if (!localStorage.getItem('visio.settings')) localStorage.setItem('visio.settings', JSON.stringify({ version: 2, onboarded: true })); } catch {}`;

const fnCall = (fn: (arg: never) => unknown, arg: unknown) =>
  `return (${fn.toString()})(${JSON.stringify(arg ?? null)});`;

export async function launchEngine(engine: EngineName, baseURL: string): Promise<EngineSession> {
  if (engine === 'chromium') return launchChromium(baseURL);
  if (engine === 'firefox') return launchFirefox(baseURL);
  return launchWebKit(baseURL);
}

// ── Chromium (Playwright, as the other e2e tests) ───────────────────────────

/** A Playwright page as an EngineTab (paths resolve against the context's baseURL). */
export function playwrightTab(page: Page): EngineTab {
  return {
    goto: async (path) => void (await page.goto(path)),
    reload: async () => void (await page.reload()),
    click: (sel) => page.locator(sel).first().click(),
    fill: (sel, text) => page.locator(sel).first().fill(text),
    upload: (sel, file) => page.locator(sel).first().setInputFiles(file),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    newTab: async (path) => {
      const p = await page.context().newPage();
      await p.goto(path);
      return playwrightTab(p);
    },
    resize: (width, height) => page.setViewportSize({ width, height }),
    screenshot: async (file) => void (await page.screenshot({ path: file })),
  };
}

async function launchChromium(baseURL: string): Promise<EngineSession> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...baseFlags, '--use-fake-device-for-media-stream'],
  });
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1280, height: 800 },
    permissions: ['camera'],
  });
  await context.addInitScript(ONBOARDED);
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(e.error().message));
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  return {
    engine: 'chromium',
    version: browser.version(),
    tab: playwrightTab(page),
    errors,
    collectsErrors: true,
    setOffline: async (offline: boolean) => {
      await (context as BrowserContext).setOffline(offline);
      return true;
    },
    close: () => browser.close(),
  };
}

// ── Firefox ESR (puppeteer-core over WebDriver BiDi) ────────────────────────

async function launchFirefox(baseURL: string): Promise<EngineSession> {
  const browser: PBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: {
      // A fake camera (a test pattern) without the permission prompt.
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
    },
  });
  const errors: string[] = [];
  const url = (path: string) => new URL(path, baseURL).href;
  const prepare = async (page: PPage) => {
    await page.setViewport({ width: 1280, height: 800 });
    await page.evaluateOnNewDocument(ONBOARDED);
    page.on('pageerror', (e) => errors.push(String((e as Error).message ?? e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  };
  const tab = (page: PPage): EngineTab => ({
    goto: async (path) => void (await page.goto(url(path))),
    reload: async () => void (await page.reload()),
    click: async (sel) => {
      await page.waitForSelector(sel, { timeout: 30_000 });
      await page.click(sel);
    },
    fill: async (sel, text) => {
      await page.waitForSelector(sel, { timeout: 30_000 });
      await page.$eval(sel, (el) => ((el as HTMLInputElement).value = ''));
      await page.type(sel, text);
    },
    upload: async (sel, file) => {
      const input = await page.waitForSelector(sel, { timeout: 30_000 });
      await (input as unknown as { uploadFile(f: string): Promise<void> }).uploadFile(file);
    },
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    newTab: async (path) => {
      const p = await browser.newPage();
      await prepare(p);
      // A background tab's timers are throttled: the new one is the one in front.
      await p.bringToFront();
      await p.goto(url(path));
      return tab(p);
    },
    resize: (width, height) => page.setViewport({ width, height }),
    screenshot: async (file) => void (await page.screenshot({ path: file as `${string}.png` })),
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  await prepare(page);
  return {
    engine: 'firefox',
    version: await browser.version(),
    tab: tab(page),
    errors,
    collectsErrors: true,
    // WebDriver BiDi in Firefox ESR has no network emulation that puppeteer can drive.
    setOffline: async (offline: boolean) => {
      try {
        await page.setOfflineMode(offline);
        return true;
      } catch {
        return false;
      }
    },
    close: () => browser.close(),
  };
}

// ── WebKitGTK (selenium-webdriver → WebKitWebDriver → MiniBrowser, under xvfb) ─

async function launchWebKit(baseURL: string): Promise<EngineSession> {
  const port = await freePort();
  // -a: a free display number; the driver starts MiniBrowser on that display.
  const driverProc: ChildProcess = spawn(
    'xvfb-run',
    // A screen that fits a tablet held either way (xvfb-run's default is 1280×1024).
    ['-a', '-s', '-screen 0 1600x1400x24', WEBKIT_DRIVER, `--port=${port}`],
    {
      stdio: 'ignore',
      detached: true,
    },
  );
  const stopDriver = () => {
    try {
      if (driverProc.pid) process.kill(-driverProc.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  let driver: WebDriver;
  try {
    const server = `http://127.0.0.1:${port}`;
    const start = Date.now();
    for (;;) {
      try {
        const r = await fetch(`${server}/status`);
        if (r.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() - start > 20_000) throw new Error('WebKitWebDriver did not start in 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    driver = await new Builder()
      .usingServer(server)
      .withCapabilities({
        browserName: 'MiniBrowser',
        'webkitgtk:browserOptions': {
          binary: MINIBROWSER,
          args: [
            '--automation',
            '--enable-media-stream=true',
            '--enable-mock-capture-devices=true',
          ],
        },
      })
      .build();
  } catch (error) {
    stopDriver();
    throw error;
  }
  const url = (path: string) => new URL(path, baseURL).href;
  // WebDriver has no "before every document" script: the profile is marked
  // onboarded once on the origin, before the app is first opened.
  await driver.get(url('/manifest.webmanifest'));
  await driver.executeScript(ONBOARDED);
  let current = await driver.getWindowHandle();
  const on = async (handle: string) => {
    if (current !== handle) {
      await driver.switchTo().window(handle);
      current = handle;
    }
  };
  const find = async (sel: string) => {
    const end = Date.now() + 30_000;
    for (;;) {
      const found = await driver.findElements(By.css(sel));
      if (found.length) return found[0]!;
      if (Date.now() > end) throw new Error(`No element ${sel} after 30 s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const tab = (handle: string): EngineTab => ({
    goto: async (path) => {
      await on(handle);
      await driver.get(url(path));
    },
    reload: async () => {
      await on(handle);
      await driver.navigate().refresh();
    },
    click: async (sel) => {
      await on(handle);
      await (await find(sel)).click();
    },
    fill: async (sel, text) => {
      await on(handle);
      const el = await find(sel);
      await el.clear();
      await el.sendKeys(text);
    },
    upload: async (sel, file) => {
      await on(handle);
      await (await find(sel)).sendKeys(file);
    },
    evaluate: async (fn, arg) => {
      await on(handle);
      return (await driver.executeScript(fnCall(fn as never, arg))) as never;
    },
    newTab: async (path) => {
      await driver.switchTo().newWindow('tab');
      current = await driver.getWindowHandle();
      await driver.get(url(path));
      return tab(current);
    },
    resize: async (width, height) => {
      await on(handle);
      // WebDriver sizes the window; the viewport is smaller by the browser's
      // own frame, measured and added (twice: a toolbar may wrap).
      for (let i = 0; i < 3; i++) {
        const inner = (await driver.executeScript(
          'return [window.innerWidth, window.innerHeight];',
        )) as [number, number];
        if (inner[0] === width && inner[1] === height) return;
        const rect = await driver.manage().window().getRect();
        await driver
          .manage()
          .window()
          .setRect({
            width: rect.width + width - inner[0],
            height: rect.height + height - inner[1],
          });
        await new Promise((r) => setTimeout(r, 300));
      }
      const got = (await driver.executeScript(
        'return [window.innerWidth, window.innerHeight];',
      )) as [number, number];
      if (got[0] !== width || got[1] !== height)
        throw new Error(`WebKit viewport ${got.join('×')}, not ${width}×${height}`);
    },
    screenshot: async (file) => {
      await on(handle);
      writeFileSync(file, Buffer.from(await driver.takeScreenshot(), 'base64'));
    },
  });
  const caps = await driver.getCapabilities();
  return {
    engine: 'webkit',
    version: `${String(caps.get('browserName'))} ${String(caps.get('browserVersion'))}`,
    tab: tab(current),
    errors: [],
    // WebDriver classic has no log endpoint in WebKitWebDriver: page errors are not seen.
    collectsErrors: false,
    setOffline: async () => false,
    close: async () => {
      await driver.quit().catch(() => undefined);
      stopDriver();
    },
  };
}
