/**
 * The page's handles on the three workers, each over startWorker. The page
 * imports only the workers' API types: types cross the boundary, code does not.
 * Pass embeddings with `Comlink.transfer(e, [e.buffer])` to move rather than copy them.
 */
import type { DiagnosticsApi } from './diagnostics.worker';
import type { MemoryWorkerApi } from './memory.worker';
import type { VisionApi } from './vision.worker';
import { startWorker, type WorkerClient } from './worker-boundary';

export type MemoryClient = WorkerClient<MemoryWorkerApi>;
type VisionClient = WorkerClient<VisionApi> & {
  /** Ends this vision worker and starts a fresh one; `api` talks to the new one from now on. */
  restart(): void;
};
export type DiagnosticsClient = WorkerClient<DiagnosticsApi>;

/** The face database. Batched sightings are flushed on `pagehide`, which only the page sees. */
export function connectMemory(): MemoryClient {
  const client = startWorker<MemoryWorkerApi>(
    new Worker(new URL('./memory.worker.ts', import.meta.url), { type: 'module', name: 'memory' }),
  );
  const onHide = () => void client.api.flush().catch(() => undefined);
  addEventListener('pagehide', onHide);
  return {
    api: client.api,
    terminate() {
      removeEventListener('pagehide', onHide);
      client.terminate();
    },
  };
}

/** The ONNX Runtime sessions: detection, tracking, embedding, model switches. */
export function connectVision(): VisionClient {
  const start = () =>
    startWorker<VisionApi>(
      new Worker(new URL('./vision.worker.ts', import.meta.url), {
        type: 'module',
        name: 'vision',
      }),
    );
  let client = start();
  // A stable handle for the page: every property is read from the worker of the moment.
  const api = new Proxy(client.api, {
    get: (_target, key) => (client.api as unknown as Record<PropertyKey, unknown>)[key],
  });
  return {
    api,
    terminate: () => client.terminate(),
    restart() {
      client.terminate();
      client = start();
    },
  };
}

/** The settings' "Check this device" tests: started when asked for, ended after. */
export function connectDiagnostics(): DiagnosticsClient {
  return startWorker<DiagnosticsApi>(
    new Worker(new URL('./diagnostics.worker.ts', import.meta.url), {
      type: 'module',
      name: 'diagnostics',
    }),
  );
}
