/**
 * The two workers, started once and lazily. The main thread imports only
 * their types (STYLE.md: types cross the boundary, code does not).
 */
import { wrap, type Remote } from 'comlink';
import type { VisionApi } from '../workers/vision.worker';

let vision: Remote<VisionApi> | undefined;

export function visionWorker(): Remote<VisionApi> {
  vision ??= wrap<VisionApi>(
    new Worker(new URL('../workers/vision.worker.ts', import.meta.url), {
      type: 'module',
      name: 'vision',
    }),
  );
  return vision;
}
