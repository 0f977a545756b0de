/**
 * Steps the engine tests and the engines bench share, over engine.ts (any of
 * the three engines). The camera steps need the e2e build's canvas camera.
 */
import { readFileSync } from 'node:fs';
import { tid, type EngineTab } from './engine';

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
