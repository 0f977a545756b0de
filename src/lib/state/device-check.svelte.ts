/**
 * "Check this device" in the settings: starts the diagnostics worker, runs
 * its FAISS and model self-tests one after the other, and ends the worker.
 * Owned by the settings view's device-check section (dispose() when it goes).
 */
import { connectDiagnostics, type DiagnosticsClient } from '../workers/clients';
import type { DeviceInfo } from '../diagnostics/device-info';
import type { FaissSelfTestResult } from '../diagnostics/faiss-self-test';
import type { ModelLayout, ModelSelfTestResult } from '../diagnostics/model-self-test';
import { describeError } from '../errors';

type FaissCheck = FaissSelfTestResult & { loadMs: number };
type ModelCheckRow = { key: string; layout: ModelLayout; provider: 'wasm' | 'webgpu' };
type ModelCheck = ModelCheckRow & { result: ModelSelfTestResult | null; skipped?: string };

/** The model rows to run: both file layouts on WASM, and on WebGPU where there is a GPU. */
function modelRowsFor(gpu: boolean): ModelCheckRow[] {
  return (['wasm', 'webgpu'] as const)
    .flatMap((provider) =>
      (['single', 'external'] as const).map((layout) => ({
        key: `${provider}-${layout}`,
        layout,
        provider,
      })),
    )
    .filter((r) => gpu || r.provider === 'wasm');
}

export class DeviceCheck {
  running = $state(false);
  step = $state('');
  device = $state.raw<DeviceInfo | null>(null);
  faiss = $state.raw<FaissCheck | null>(null);
  faissError = $state<string | null>(null);
  models = $state.raw<ModelCheck[]>([]);
  #client: DiagnosticsClient | null = null;

  async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.device = null;
    this.faiss = null;
    this.faissError = null;
    this.models = [];
    const client = (this.#client = connectDiagnostics());
    const api = client.api;
    try {
      this.step = 'Looking at this browser…';
      const device = (this.device = await api.deviceInfo());
      this.step = 'Testing FAISS (vector search)…';
      try {
        this.faiss = await api.faissSelfTest();
      } catch (error) {
        this.faissError = describeError(error);
      }
      const rows = modelRowsFor(device.gpu.available);
      this.models = rows.map((r) => ({ ...r, result: null }));
      for (const [i, r] of rows.entries()) {
        this.step = `Running a DINOv3-shaped test model on ${r.provider === 'webgpu' ? 'WebGPU' : 'WebAssembly'} (${r.layout === 'single' ? 'one file' : 'with external data'})…`;
        const result = await api
          .modelSelfTest(r.layout, r.provider)
          .catch((error: unknown): ModelSelfTestResult => ({
            ok: false,
            layout: r.layout,
            requested: r.provider,
            expectedDim: 0,
            fallback: null,
            problems: [describeError(error)],
            totalMs: 0,
          }));
        this.models = this.models.map((m, j) => (j === i ? { ...m, result } : m));
      }
      this.step = 'Done.';
    } catch (error) {
      this.step = describeError(error, 'The check stopped');
    } finally {
      this.dispose();
      this.running = false;
    }
  }

  /** Ends the worker (a check still running stops). */
  dispose(): void {
    this.#client?.terminate();
    this.#client = null;
  }
}
