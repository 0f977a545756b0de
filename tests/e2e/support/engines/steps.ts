/**
 * Steps the engine tests and the engines bench share, over engine.ts (any of
 * the three engines). The camera steps need the e2e build's canvas camera.
 */
import { readFileSync } from 'node:fs';
import { tid, waitFor, type EngineTab } from './engine';

/** The test camera shows this picture from the next page load on (e2e build only). */
export async function showToCamera(tab: EngineTab, file: string): Promise<void> {
  const url = `data:image/png;base64,${readFileSync(file).toString('base64')}`;
  await tab.evaluate((u) => localStorage.setItem('visio.e2e.camera', u), url);
}

export const textOf = (tab: EngineTab, sel: string) =>
  tab.evaluate(
    (s) => [...document.querySelectorAll(s)].map((e) => e.textContent ?? '').join('\n'),
    sel,
  );

/** Live frames per second as the live view reports them: the median of 8 readings, 0.5 s apart. */
export async function liveFps(tab: EngineTab): Promise<number> {
  const got: number[] = [];
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 500));
    got.push(Number(await textOf(tab, tid('fps'))));
  }
  got.sort((a, b) => a - b);
  return got[4]!;
}

/** What the page says when a wait fails (its status lines and toasts), for the report. */
export async function pageState<T>(tab: EngineTab, waiting: Promise<T>): Promise<T> {
  try {
    return await waiting;
  } catch (error) {
    const said = await tab
      .evaluate(() => document.body.innerText.replace(/\s+/g, ' ').slice(0, 1200))
      .catch((e: unknown) => `(page unreadable: ${String(e)})`);
    throw new Error(`${(error as Error).message}\nthe page said: ${said}`);
  }
}

export const countOf = (tab: EngineTab, sel: string) =>
  tab.evaluate((s) => document.querySelectorAll(s).length, sel);

export const waitText = (tab: EngineTab, sel: string, re: RegExp, timeoutMs = 30_000) =>
  waitFor(
    `${sel} to say ${re}`,
    () => textOf(tab, sel),
    (t) => re.test(t),
    timeoutMs,
  );

export const queueCount = async (tab: EngineTab) =>
  Number((await textOf(tab, tid('queue-count'))).replace(/\D+/g, '') || 0);

/** Waits until the first match exists and is enabled (inputs wait for the memory to open). */
export const waitEnabled = (tab: EngineTab, sel: string, timeoutMs = 60_000) =>
  pageState(
    tab,
    waitFor(
      `${sel} enabled`,
      () =>
        tab.evaluate((q) => {
          const el = document.querySelector<HTMLInputElement>(q);
          return !!el && !el.disabled;
        }, sel),
      (ok) => ok,
      timeoutMs,
    ),
  );

export async function labelFirstGroup(tab: EngineTab, name: string): Promise<void> {
  await tab.goto('/#/queue');
  const group = tid('queue-group');
  await tab.fill(`${group} ${tid('name-input')}`, name);
  await tab.click(`${group} button[type="submit"]`);
  await waitText(tab, 'body', new RegExp(`as \u2068?${name}\u2069?\\.`));
}
