/** The page's handle on diagnostics.worker: started on first use, ended when done. */
import { releaseProxy, wrap, type Remote } from 'comlink';
import type { DiagnosticsApi } from '../workers/diagnostics.worker';

export interface DiagnosticsClient {
  api: Remote<DiagnosticsApi>;
  terminate(): void;
}

export function connectDiagnostics(): DiagnosticsClient {
  const worker = new Worker(new URL('../workers/diagnostics.worker.ts', import.meta.url), {
    type: 'module',
    name: 'diagnostics',
  });
  const api = wrap<DiagnosticsApi>(worker);
  return {
    api,
    terminate() {
      api[releaseProxy]();
      worker.terminate();
    },
  };
}
