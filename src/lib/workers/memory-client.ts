import * as Comlink from 'comlink';
import type { MemoryWorkerApi } from './memory.worker';

export interface MemoryClient {
  api: Comlink.Remote<MemoryWorkerApi>;
  /** Ends the worker (its IndexedDB connection and Web Lock go with it). */
  terminate(): void;
}

/**
 * Starts memory.worker and wraps it. Batched sightings are flushed on
 * `pagehide`, which only the page sees. Pass embeddings with
 * `Comlink.transfer(e, [e.buffer])` to move rather than copy them.
 */
export function connectMemory(): MemoryClient {
  const worker = new Worker(new URL('./memory.worker.ts', import.meta.url), {
    type: 'module',
    name: 'memory',
  });
  const api = Comlink.wrap<MemoryWorkerApi>(worker);
  const onHide = () => void api.flush().catch(() => undefined);
  addEventListener('pagehide', onHide);
  return {
    api,
    terminate() {
      removeEventListener('pagehide', onHide);
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}
