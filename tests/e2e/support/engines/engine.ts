/**
 * One small interface over the three engines the e2e story runs in, so the
 * story is written once: Chromium through Playwright, Firefox ESR through
 * puppeteer-core over WebDriver BiDi, WebKitGTK through selenium-webdriver
 * against WebKitWebDriver (its MiniBrowser under xvfb-run). Selectors are CSS;
 * `tid('x')` is `[data-testid="x"]`.
 */
export type EngineName = 'chromium' | 'firefox' | 'webkit';

export interface EngineTab {
  /** Opens a path of the app (the base URL is the engine's). */
  goto(path: string): Promise<void>;
  reload(): Promise<void>;
  /** A real click (the driver's own) on the first match. */
  click(selector: string): Promise<void>;
  /** Replaces the text of the first matching input. */
  fill(selector: string, text: string): Promise<void>;
  /** Chooses a file in the first matching file input. */
  upload(selector: string, file: string): Promise<void>;
  /** Runs a function in the page; `arg` must be JSON. Promises are awaited. */
  evaluate<T, A = undefined>(fn: (arg: A) => T | Promise<T>, arg?: A): Promise<Awaited<T>>;
  /** Another tab of the same browser profile. */
  newTab(path: string): Promise<EngineTab>;
  /** Sets the page's viewport (innerWidth × innerHeight) to this size in CSS pixels. */
  resize(width: number, height: number): Promise<void>;
  /** A PNG of the viewport, written to `file`. */
  screenshot(file: string): Promise<void>;
}

export interface EngineSession {
  readonly engine: EngineName;
  /** What the engine says it is (user agent), for the report. */
  readonly version: string;
  readonly tab: EngineTab;
  /** Cuts the network (true), or says it cannot (false: the caller skips that step). */
  setOffline(offline: boolean): Promise<boolean>;
  /** Uncaught page errors and console errors seen so far (where the driver reports them). */
  readonly errors: string[];
  /** Whether `errors` is collected at all in this engine. */
  readonly collectsErrors: boolean;
  close(): Promise<void>;
}

export const tid = (id: string): string => `[data-testid="${id}"]`;

/** Polls `probe` until it returns something `done` accepts; throws with the last value. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > end) {
      const detail =
        last !== undefined ? JSON.stringify(last) : lastError ? String(lastError) : 'nothing';
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; last: ${detail}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
