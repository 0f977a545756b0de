/**
 * Changing the embedding model from the settings: load the new model beside
 * the one in use (downloading it once, or from picked files), embed every
 * stored crop again with it, then let the memory adopt it and reopen.
 *
 * Until the last step nothing the app uses changes: the live view runs on
 * the old model and memory, so Cancel (or a closed tab) leaves it working,
 * and the vectors stored so far are reused by the next attempt.
 */
import { proxy, transfer, type Remote } from 'comlink';
import { describeError, isAbort } from '../errors';
import type { LeftBehind } from '../memory/actions/reembed';
import { reembedAll, type ReembedDeps, type ReembedProgress } from '../vision/reembed-all';
import type { DownloadProgress } from '../vision/model-store';
import type { EmbedderInfo } from '../vision/service';
import type { PickedFile } from '../vision/vision-api';
import type { VisionApi } from '../workers/vision.worker';
import type { AppState } from './app.svelte';

type SwitchPhase =
  'idle' | 'loading' | 'reembedding' | 'finishing' | 'done' | 'cancelled' | 'failed';

interface SwitchOutcome {
  from: { id: string; displayName: string };
  model: EmbedderInfo;
  /** Samples embedded by this switch, and those whose vectors were already stored. */
  reembedded: number;
  reused: number;
  searchable: number;
  total: number;
  /** Per person: samples left on another model (no face found again, or no crop at all). */
  leftBehind: LeftBehind[];
  queuedAdopted: number;
  queuedLeft: number;
}

/** The switch as the settings view shows it. One per app, owned by AppState. */
export class ModelSwitch {
  phase = $state<SwitchPhase>('idle');
  /** The model being switched to. */
  targetId = $state<string | null>(null);
  download = $state.raw<DownloadProgress | null>(null);
  progress = $state.raw<ReembedProgress | null>(null);
  outcome = $state.raw<SwitchOutcome | null>(null);
  error = $state<string | null>(null);
  /** Downloadable models kept offline (all their files in Cache Storage). */
  stored = $state.raw<ReadonlySet<string>>(new Set());
  #abort: AbortController | null = null;

  constructor(private readonly app: AppState) {}

  /** Re-reads which models are kept offline. */
  async refresh(): Promise<void> {
    const { vision, live } = this.app;
    if (live.model) this.#rememberDim(live.model);
    this.stored = new Set(await vision.storedModels().catch(() => [] as string[]));
  }

  async forget(id: string): Promise<void> {
    await this.app.vision.forgetModel(id);
    await this.refresh();
  }

  /** Dimensions read from models loaded before (a model's is known only once loaded). */
  get knownDims(): Readonly<Record<string, number>> {
    return this.app.settings.data.modelDims;
  }

  #rememberDim(info: EmbedderInfo): void {
    if (this.knownDims[info.id] === info.dim) return;
    this.app.settings.update({ modelDims: { ...this.knownDims, [info.id]: info.dim } });
  }

  get busy(): boolean {
    return this.phase === 'loading' || this.phase === 'reembedding' || this.phase === 'finishing';
  }

  /** Cancel is possible until the memory adopts the new model (a moment at the very end). */
  get cancellable(): boolean {
    return this.phase === 'loading' || this.phase === 'reembedding';
  }

  /**
   * Switches to the registry model `id` (downloaded once and kept offline, or
   * from `files`). Never throws: the outcome or the error is in the state.
   */
  async switchTo(id: string, files?: PickedFile[]): Promise<void> {
    // The second opinion's preparation uses the same staged slot: one at a time.
    if (this.busy || this.app.secondOpinion.busy) return;
    const { vision, memory, live, toasts } = this.app;
    const from = live.model;
    if (!from || !memory.ready) return;
    const abort = (this.#abort = new AbortController());
    this.phase = 'loading';
    this.targetId = id;
    this.error = null;
    this.outcome = null;
    this.download = null;
    this.progress = null;
    let staged = false;
    try {
      const next = files
        ? await vision.stageEmbedderFiles(id, files)
        : await vision.stageEmbedder(
            id,
            proxy((p: DownloadProgress) => (this.download = p)),
          );
      staged = true;
      this.#rememberDim(next);
      abort.signal.throwIfAborted();
      this.phase = 'reembedding';
      const api = memory.api;
      const run = await reembedAll(this.#deps(vision, next), {
        signal: abort.signal,
        onProgress: (p) => (this.progress = p),
      });
      abort.signal.throwIfAborted();
      this.phase = 'finishing';
      const wasPaused = live.paused;
      live.setPaused(true);
      try {
        const adopted = await api.adoptModel(next.id, next.dim, run.queued);
        const model = await vision.commitStaged();
        staged = false;
        live.model = model;
        this.app.settings.update({ modelId: model.id });
        await this.app.openMemory(model);
        memory.changed('all');
        this.outcome = {
          from: { id: from.id, displayName: from.displayName },
          model,
          reembedded: run.embedded,
          reused: run.plan.ready - run.embedded,
          searchable: adopted.searchable,
          total: run.plan.total,
          leftBehind: adopted.leftBehind,
          queuedAdopted: adopted.queuedAdopted,
          queuedLeft: adopted.queuedLeft,
        };
      } finally {
        live.setPaused(wasPaused);
      }
      this.phase = 'done';
      toasts.announce(`Now using ${this.outcome.model.displayName}.`);
      // Off while dlib is the model in use; on again (and prepared) after switching away.
      void this.app.secondOpinion.apply();
    } catch (error) {
      if (isAbort(error) || abort.signal.aborted) {
        this.phase = 'cancelled';
        toasts.announce('Model change cancelled; the previous model is still in use.');
      } else {
        this.phase = 'failed';
        this.error = describeError(error);
      }
    } finally {
      if (staged) await vision.discardStaged().catch(() => undefined);
      this.#abort = null;
      await this.refresh().catch(() => undefined);
    }
  }

  /** Switches to the registry model `id` from the model files the user picked. */
  async switchToFiles(id: string, picked: readonly File[]): Promise<void> {
    if (this.busy) return;
    const files = await Promise.all(
      picked.map(async (f) => ({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
    );
    await this.switchTo(
      id,
      transfer(
        files,
        files.map((f) => f.bytes.buffer),
      ),
    );
  }

  cancel(): void {
    if (!this.cancellable) return;
    this.#abort?.abort();
    void this.app.vision.cancelStaged();
  }

  /** Back to idle after the user has read the outcome. */
  dismiss(): void {
    if (this.busy) return;
    this.phase = 'idle';
    this.outcome = null;
    this.error = null;
    this.targetId = null;
  }

  #deps(vision: Remote<VisionApi>, next: EmbedderInfo): ReembedDeps<ImageBitmap> {
    const api = this.app.memory.api;
    return {
      plan: () => api.planReembed(next.id, next.dim),
      sampleCrop: (id) => api.getSampleCrop(id),
      queuedCrop: (id) => api.getUnlabeledCrop(id),
      decode: (crop) => createImageBitmap(crop),
      embed: (bitmap) => vision.embedStaged(transfer(bitmap, [bitmap])),
      store: (entries) =>
        api.storeReembedded(
          next.id,
          next.dim,
          transfer(
            entries,
            entries.map((e) => e.embedding.buffer as ArrayBuffer),
          ),
        ),
    };
  }
}
