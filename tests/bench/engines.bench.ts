/**
 * The engines rows of `npm run bench` (suite 'engines'): the live loop's
 * processed frames per second with a face in view, in each engine the e2e
 * tests drive (Chromium through Playwright, Firefox ESR over WebDriver BiDi,
 * WebKitGTK through WebKitWebDriver under xvfb; tests/e2e/support/engines/),
 * against Chromium's in the same run. The camera is the e2e build's canvas
 * camera at 30 fps showing amy1.png (the same picture in every engine), so 30
 * is the ceiling; an empty memory (the face is a stranger: detect, embed and
 * match the queue each embedding). Each engine's figure is the median of
 * ROUNDS readings of the live view's own counter, 0.5 s apart, after the face
 * was first boxed. An engine whose binaries are missing is left out, said so.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor, type EngineName } from '../e2e/support/engines/engine.ts';
import {
  FIREFOX_PATH,
  MINIBROWSER,
  WEBKIT_DRIVER,
  launchEngine,
} from '../e2e/support/engines/launch.ts';
import { liveFps, showToCamera } from '../e2e/support/engines/steps.ts';
import { chromiumPath } from '../e2e/support/app.ts';
import { bbt, repoRoot } from '../e2e/support/paths.ts';
import { serve } from './browser.bench.ts';
import { median, type BenchRow, type BenchSuite } from './types.ts';

const run = promisify(execFile);
const vite = join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
const BINARIES: Record<EngineName, string[]> = {
  chromium: [chromiumPath],
  firefox: [FIREFOX_PATH],
  webkit: [WEBKIT_DRIVER, MINIBROWSER],
};

async function engineFps(
  engine: EngineName,
  origin: string,
  rounds: number,
): Promise<{ fps: number; version: string; threads: boolean }> {
  const s = await launchEngine(engine, origin);
  try {
    const { tab } = s;
    await tab.goto('/#/live');
    await showToCamera(tab, bbt('amy/amy1.png'));
    await tab.reload();
    await waitFor(
      `${engine}: a face boxed`,
      () => tab.evaluate(() => document.querySelectorAll('[data-testid="face-box"]').length),
      (n) => n > 0,
      120_000,
    );
    const readings: number[] = [];
    for (let i = 0; i < rounds; i++) readings.push(await liveFps(tab));
    const threads = await tab.evaluate(
      () => globalThis.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
    );
    return { fps: median(readings), version: s.version, threads };
  } finally {
    await s.close();
  }
}

async function runSuite(opts: { quick: boolean; log: (m: string) => void }): Promise<BenchRow[]> {
  await run(process.execPath, [vite, 'build', '--mode', 'e2e', '--logLevel', 'error'], {
    cwd: repoRoot,
  });
  const server = await serve('preview');
  const rounds = opts.quick ? 1 : 3;
  const got = new Map<EngineName, { fps: number; version: string; threads: boolean }>();
  try {
    for (const engine of ['chromium', 'firefox', 'webkit'] as const) {
      const missing = BINARIES[engine].filter((b) => !existsSync(b));
      if (missing.length) {
        opts.log(`${engine}: not installed (${missing.join(', ')}), left out`);
        continue;
      }
      const r = await engineFps(engine, server.origin, rounds);
      opts.log(`${engine} (${r.version}): ${r.fps} fps, threads ${r.threads ? 'yes' : 'no'}`);
      got.set(engine, r);
    }
  } finally {
    server.stop();
  }
  const base = got.get('chromium');
  return [...got].map(([engine, r]) => ({
    suite: 'engines',
    name: `live fps with a face, ${engine}`,
    value: r.fps,
    unit: 'fps',
    ...(base && engine !== 'chromium'
      ? {
          baseline: { name: 'chromium', value: base.fps, unit: 'fps' },
          ratio: r.fps / base.fps,
        }
      : {}),
    note: `${r.version}; ONNX Runtime threads: ${r.threads ? 'yes' : 'no (one thread)'}; median of ${rounds} × 8 readings`,
  }));
}

const suite: BenchSuite = { name: 'engines', run: runSuite };
export default suite;
